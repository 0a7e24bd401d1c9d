/** Time, injectable so the pace can be tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Spaces calls evenly under a rate; a 429's Retry-After holds every call back until it has passed. */
export interface Pacer {
  /** Resolves when the next call may start. */
  wait(): Promise<void>;
  /** No call starts before `ms` from now (Slack's Retry-After). */
  pauseFor(ms: number): void;
  /** Milliseconds between two calls. */
  readonly intervalMs: number;
}

/**
 * A pacer for `perMinute` calls a minute: each call gets the next free slot, one interval after
 * the previous one, so no burst exceeds the rate, whatever the number of callers waiting at once.
 */
export function createPacer(perMinute: number, clock: Clock = realClock): Pacer {
  if (!(perMinute > 0)) throw new Error('the pace must be a positive number of calls a minute');
  const intervalMs = 60_000 / perMinute;
  let nextSlot = Number.NEGATIVE_INFINITY;
  let pausedUntil = Number.NEGATIVE_INFINITY;
  return {
    intervalMs,
    async wait() {
      for (;;) {
        const now = clock.now();
        const slot = Math.max(now, nextSlot, pausedUntil);
        nextSlot = slot + intervalMs;
        if (slot > now) await clock.sleep(slot - now);
        // A 429 that arrived while this caller slept moves it behind the pause.
        if (clock.now() >= pausedUntil) return;
      }
    },
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms);
    },
  };
}
