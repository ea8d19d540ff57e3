/** Resolves after `ms` (at once if `ms` is not positive). */
export const sleep = (ms: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Waits for `promise`, at most `ms`; the timer is cleared so it keeps nothing alive. */
export async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise,
    new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)))),
  ]).finally(() => clearTimeout(timer));
}
