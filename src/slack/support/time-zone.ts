import type { webApi } from '@slack/bolt';
import { isTimeZone } from '../../licensing/schedule/time.js';
import type { Logger } from '../../logger.js';

const CACHE_MS = 10 * 60_000;
/** Per Web API client (one per app), so two apps in one process never share answers. */
const caches = new WeakMap<object, Map<string, { timeZone: string; at: number }>>();

/** The zone used when Slack does not say one (or says one this runtime does not know). */
export const FALLBACK_TIME_ZONE = 'UTC';

/**
 * A user's time zone as Slack knows it (`users.info` → `user.tz`, e.g. `Europe/Berlin`), cached for
 * a few minutes. Falls back to UTC, which the pickers then say, when Slack cannot be asked.
 */
export async function userTimeZone(client: webApi.WebClient, userId: string, logger: Logger): Promise<string> {
  let cache = caches.get(client);
  if (!cache) {
    cache = new Map();
    caches.set(client, cache);
  }
  const hit = cache.get(userId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.timeZone;
  try {
    const res = await client.users.info({ user: userId });
    const tz = (res.user as { tz?: string } | undefined)?.tz;
    const timeZone = tz && isTimeZone(tz) ? tz : FALLBACK_TIME_ZONE;
    cache.set(userId, { timeZone, at: Date.now() });
    return timeZone;
  } catch (error) {
    logger.warn('could not read the user’s time zone; using UTC', { user: userId, error });
    return FALLBACK_TIME_ZONE;
  }
}
