/** Timers behind an interface, so tests run the connection state machine by hand. */

/** Cancels a scheduled callback. */
export type Cancel = () => void;
export type Scheduler = {
  after(ms: number, fn: () => void): Cancel;
  every(ms: number, fn: () => void): Cancel;
};

/** Real timers, unref'd so they never keep a process alive on their own. */
export const realScheduler: Scheduler = {
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};
