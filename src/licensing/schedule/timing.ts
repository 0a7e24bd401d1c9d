import { LicenseError } from '../errors.js';
import type { ChangeSpec } from '../model.js';

const DAY_MS = 24 * 3_600_000;

/** When a change applies and until when it holds; both optional, both UTC. */
export interface Timing {
  /** Apply at this moment instead of now (a scheduled change). */
  applyAt?: Date;
  /** Take the change back at this moment (a time-bound grant). */
  until?: Date;
  /** The admin's time zone the times were picked in, to show them back in it. */
  timeZone?: string;
}

/**
 * Checks a change's timing against the clock and MAX_GRANT_DAYS; throws the LicenseError to show.
 * A schedule in the past is refused (not applied now), and so is an end before the start.
 */
export function checkTiming(timing: Timing, change: Pick<ChangeSpec, 'kind'>, now: Date, maxGrantDays?: number): void {
  if (timing.applyAt && timing.applyAt.getTime() <= now.getTime()) throw new LicenseError('schedule_in_past');
  if (!timing.until) return;
  if (change.kind === 'revoke') throw new LicenseError('until_not_for_revoke');
  if (timing.until.getTime() <= now.getTime()) throw new LicenseError('until_in_past');
  const start = timing.applyAt ?? now;
  if (timing.until.getTime() <= start.getTime()) throw new LicenseError('until_before_apply');
  if (maxGrantDays !== undefined && timing.until.getTime() - start.getTime() > maxGrantDays * DAY_MS) {
    throw new LicenseError(
      'grant_too_long',
      `A time-bound license can last at most ${maxGrantDays} day${maxGrantDays === 1 ? '' : 's'} (MAX_GRANT_DAYS); pick an earlier end. Extending it later past that needs a team lead's approval.`,
    );
  }
}

/** True when an end `endsAt` for a grant counted from `since` goes past MAX_GRANT_DAYS. */
export function exceedsMaxGrant(since: Date, endsAt: Date, maxGrantDays?: number): boolean {
  return maxGrantDays !== undefined && endsAt.getTime() - since.getTime() > maxGrantDays * DAY_MS;
}
