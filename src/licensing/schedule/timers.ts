import type { Timer, TimerKind, TimerScheduler } from './ports.js';

/**
 * Schedules timers without failing the caller: the change they belong to is already stored, and the
 * minutely sweep runs whatever a lost timer would have (late by at most its interval).
 */
export async function scheduleTimers(
  deps: { timers?: TimerScheduler },
  timers: readonly Timer[],
  options: { move?: boolean } = {},
): Promise<void> {
  if (!deps.timers || timers.length === 0) return;
  await deps.timers.schedule(timers, options).catch(() => undefined);
}

/** Removes timers that no longer apply (a cancelled request); a leftover one finds nothing to do. */
export async function cancelTimers(deps: { timers?: TimerScheduler }, kind: TimerKind, keys: readonly string[]): Promise<void> {
  if (!deps.timers || keys.length === 0) return;
  await deps.timers.cancel(kind, keys).catch(() => undefined);
}
