import { afterEach, describe, expect, it, vi } from 'vitest';
import { XksError } from '../errors.ts';
import { withDeadline } from './run.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('withDeadline', () => {
  it('settles with the work and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve('done'), 1000)).resolves.toBe('done');
    const failure = new Error('the module failed');
    await expect(withDeadline(Promise.reject(failure), 1000)).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with DependencyTimeoutException when the work outlives the deadline', async () => {
    vi.useFakeTimers();
    let finish: (value: string) => void = () => {};
    const slow = withDeadline(new Promise<string>((resolve) => (finish = resolve)), 1000);
    const outcome = slow.then(
      () => 'answered',
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(999);
    finish('too late');
    await vi.advanceTimersByTimeAsync(0);
    expect(await outcome).toBe('answered');

    const never = withDeadline(new Promise<string>(() => {}), 1000);
    const late = never.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1000);
    const error = await late;
    expect(error).toBeInstanceOf(XksError);
    expect((error as XksError).errorName).toBe('DependencyTimeoutException');
  });
});
