/** The terminal of the process, for commands that wait for or ask the person at it. */
import { createInterface } from 'node:readline/promises';

/** Resolves on the next line typed on stdin (or at once when stdin has ended). */
export function waitForEnter(): Promise<void> {
  return new Promise((done) => {
    if (process.stdin.readableEnded) {
      done();
      return;
    }
    const finish = () => {
      process.stdin.off('data', finish);
      process.stdin.off('end', finish);
      process.stdin.pause();
      done();
    };
    process.stdin.on('data', finish);
    process.stdin.on('end', finish);
    process.stdin.resume();
  });
}

/** Asks one question on the terminal (stderr) and resolves with the line typed. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
