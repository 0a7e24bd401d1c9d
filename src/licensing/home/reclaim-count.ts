import type { ReclaimDeps } from '../reclaim/ports.js';
import { type ReclaimSummary, reclaimSummary } from '../reclaim/reclaim.js';

/** What the admins' Home shows of reclaim: the latest count, and whether a newer one is on its way. */
export interface HomeReclaim {
  /** The latest count, or null while the first one is made (or when it could not be made). */
  summary: ReclaimSummary | null;
  countedAt?: Date;
  /** A count is under way: a Home shown now is published again when it is done. */
  counting: boolean;
}

/**
 * The reclaim summary for App Homes, counted in the background. Counting idle holders reads every
 * holder of every type (half a second or more over 100,000 learners on a small database), far too
 * slow for each Home: a Home shows the latest count at once and, when that one is missing or old,
 * starts a new one and is published again when it is done.
 */
export interface ReclaimCount {
  /** The latest count; starts a new one when there is none, it is older than `maxAgeMs`, or older than `minIntervalMs` after a change. */
  current(): HomeReclaim;
  /**
   * Seats or holders changed: the next Home starts a new count once the current one is `minIntervalMs`
   * old; `now` (usage came in): at once.
   */
  changed(options?: { now?: boolean }): void;
  /** Resolves when the count under way ends (at once when none is): true when it made a new summary. */
  settled(): Promise<boolean>;
}

/** Counted again after this long even when nothing was noted to change (idleness grows by itself; usage may be imported by the CLI). */
export const RECLAIM_COUNT_MAX_AGE_MS = 5 * 60_000;
/** Counted at most this often after changes (a bulk job reports a change every few seconds). */
export const RECLAIM_COUNT_MIN_INTERVAL_MS = 60_000;

/** A count in the background of `reclaimSummary`; the clock is the deps' clock. */
export function createReclaimCount(
  deps: ReclaimDeps,
  options: { maxAgeMs?: number; minIntervalMs?: number; onError?: (error: unknown) => void } = {},
): ReclaimCount {
  const maxAgeMs = options.maxAgeMs ?? RECLAIM_COUNT_MAX_AGE_MS;
  const minIntervalMs = options.minIntervalMs ?? RECLAIM_COUNT_MIN_INTERVAL_MS;
  let latest: { summary: ReclaimSummary; countedAt: Date } | null = null;
  let inflight: Promise<boolean> | null = null;
  /** When the last count started, successful or not (a failed one is not retried before `minIntervalMs`). */
  let startedAt: number | null = null;
  let changedSince = false;
  let countNow = false;

  const due = (now: number): boolean => {
    if (inflight) return false;
    if (startedAt === null || countNow) return true;
    const sinceStart = now - startedAt;
    if (!latest) return sinceStart >= minIntervalMs;
    const age = now - latest.countedAt.getTime();
    return age >= maxAgeMs || (changedSince && sinceStart >= minIntervalMs);
  };

  const start = (now: Date) => {
    startedAt = now.getTime();
    changedSince = false;
    countNow = false;
    inflight = reclaimSummary(deps)
      .then((summary) => {
        latest = { summary, countedAt: now };
        return true;
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        return false;
      })
      .finally(() => {
        inflight = null;
      });
  };

  return {
    current() {
      const now = deps.now();
      if (due(now.getTime())) start(now);
      return { summary: latest?.summary ?? null, ...(latest ? { countedAt: latest.countedAt } : {}), counting: inflight !== null };
    },
    changed(options = {}) {
      changedSince = true;
      if (options.now) countNow = true;
    },
    settled() {
      return inflight ?? Promise.resolve(false);
    },
  };
}
