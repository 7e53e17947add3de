import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** How a log read by `readLogLines` ended. */
export type LogEnd = {
  /** Bytes up to and including the last newline: where a follower continues from. */
  completeBytes: number;
  /** A last line without its newline (a write in progress or a truncation), if any. */
  partial?: string;
};

/**
 * Reads a log file as a stream, one line at a time (never the whole file in one string, so a
 * large log or one giant line costs at most that line): calls `onLine` with every
 * newline-terminated line in order and returns how the file ended. Rejects with the open
 * error (ENOENT, EACCES, ...) for the caller to word.
 */
export async function readLogLines(file: string, onLine: (line: string) => void): Promise<LogEnd> {
  const handle = await open(file, 'r');
  try {
    const stream = handle.createReadStream({ autoClose: false, start: 0 });
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let previous: string | undefined;
    for await (const line of lines) {
      if (previous !== undefined) onLine(previous);
      previous = line;
    }
    const bytes = stream.bytesRead;
    if (previous === undefined || bytes === 0) return { completeBytes: 0 };
    // readline does not say whether the last line had its newline: look at the last byte read.
    const lastByte = Buffer.alloc(1);
    await handle.read(lastByte, 0, 1, bytes - 1);
    if (lastByte[0] === 0x0a) {
      onLine(previous);
      return { completeBytes: bytes };
    }
    return { completeBytes: bytes - Buffer.byteLength(previous), partial: previous };
  } finally {
    await handle.close();
  }
}
