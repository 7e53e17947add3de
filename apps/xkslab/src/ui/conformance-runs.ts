import type {
  CheckResult,
  ConformanceOptions,
  ConformanceReport,
  ProgressEvent,
  RunHooks,
} from '@xkslab/conformance';

/** One conformance run started from the dashboard, as its pages show it. */
export type ConformanceRun = {
  id: string;
  /** What was run against (never the secret). */
  target: { url: string; keyStore: string | undefined; keyId: string; region: string };
  startedAt: string;
  state: 'running' | 'done' | 'failed';
  /** Checks finished and the number selected (0 until the runner says). */
  done: number;
  total: number;
  /** The check running now. */
  current: string | undefined;
  passed: number;
  failed: number;
  skipped: number;
  /** The load phase, when one was asked for. */
  load: { elapsedSeconds: number; seconds: number; sent: number; errors: number } | undefined;
  /** The runner's own error (a bad URL...): the run did not happen. */
  error: string | undefined;
  report: ConformanceReport | undefined;
};

export class ConformanceBusyError extends Error {
  constructor() {
    super('a conformance run is in progress; wait for it to finish');
    this.name = 'ConformanceBusyError';
  }
}

/** Runs kept for the Recent runs list; older ones are forgotten. */
const KEEP_RUNS = 10;

/**
 * Conformance runs in this process, one at a time (a run sends a few hundred requests, and a
 * second one at once would only make both slower). Progress comes from the runner's onProgress
 * callback; the pages poll `get(id)`.
 */
export class ConformanceRuns {
  readonly #runs = new Map<string, ConformanceRun>();
  readonly #run: (options: ConformanceOptions, hooks?: RunHooks) => Promise<ConformanceReport>;
  readonly #newId: () => string;
  readonly #clock: () => Date;
  #active: Promise<void> | undefined;

  constructor(deps: {
    run: (options: ConformanceOptions, hooks?: RunHooks) => Promise<ConformanceReport>;
    newId: () => string;
    clock: () => Date;
  }) {
    this.#run = deps.run;
    this.#newId = deps.newId;
    this.#clock = deps.clock;
  }

  get running(): boolean {
    return this.#active !== undefined;
  }

  /** Newest first. */
  list(): ConformanceRun[] {
    return [...this.#runs.values()].reverse();
  }

  get(id: string): ConformanceRun | undefined {
    return this.#runs.get(id);
  }

  /** Starts a run in the background and returns it at once; throws while another one runs. */
  start(options: ConformanceOptions, keyStore: string | undefined): ConformanceRun {
    if (this.#active) throw new ConformanceBusyError();
    const run: ConformanceRun = {
      id: this.#newId(),
      target: { url: options.url, keyStore, keyId: options.keyId, region: options.region },
      startedAt: this.#clock().toISOString(),
      state: 'running',
      done: 0,
      total: 0,
      current: undefined,
      passed: 0,
      failed: 0,
      skipped: 0,
      load: undefined,
      error: undefined,
      report: undefined,
    };
    this.#runs.set(run.id, run);
    while (this.#runs.size > KEEP_RUNS) {
      const oldest = this.#runs.keys().next().value;
      if (oldest === undefined) break;
      this.#runs.delete(oldest);
    }
    const onProgress = (event: ProgressEvent) => {
      switch (event.type) {
        case 'check-start':
          run.total = event.total;
          run.current = event.title;
          break;
        case 'check-done':
          run.total = event.total;
          run.done = event.index + 1;
          count(run, event.result);
          break;
        case 'load-progress':
          run.current = 'load run';
          run.load = {
            elapsedSeconds: event.elapsedSeconds,
            seconds: event.seconds,
            sent: event.sent,
            errors: event.errors,
          };
          break;
      }
    };
    this.#active = this.#run(options, { onProgress }).then(
      (report) => {
        run.report = report;
        run.state = 'done';
        run.current = undefined;
        run.passed = report.summary.passed;
        run.failed = report.summary.failed;
        run.skipped = report.summary.skipped;
        run.done = report.summary.total;
        run.total = report.summary.total;
        this.#active = undefined;
      },
      (e: unknown) => {
        run.state = 'failed';
        run.current = undefined;
        run.error = e instanceof Error ? e.message : String(e);
        this.#active = undefined;
      },
    );
    return run;
  }

  /** Resolves when the run in progress (if any) has ended. */
  async settled(): Promise<void> {
    await this.#active;
  }
}

function count(run: ConformanceRun, result: CheckResult): void {
  if (result.status === 'pass') run.passed++;
  else if (result.status === 'fail') run.failed++;
  else run.skipped++;
}
