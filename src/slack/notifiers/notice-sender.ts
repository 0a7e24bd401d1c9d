import type { webApi } from '@slack/bolt';
import type { NoticeSender, QueuedNotice, SendResult } from '../../licensing/notices/ports.js';
import type { IdentityStore, SlackIdentity } from '../../licensing/people/ports.js';
import type { LicenseTypeStore } from '../../licensing/ports.js';
import type { Logger } from '../../logger.js';
import { forgetSlackUser, platformErrorOf, slackUserOfEmail } from '../support/people.js';
import { buildLearnerNotice } from '../views/learner-notice.js';

/** The message metadata that marks a DM as the notice with a given key (found again after a crash). */
export const NOTICE_EVENT_TYPE = 'license_bot_notice';

/** Answers that mean the person cannot get a DM from the bot: counted as "no Slack account", never retried. */
const UNREACHABLE = new Set([
  'users_not_found',
  'user_not_found',
  'account_inactive',
  'user_disabled',
  'cannot_dm_bot',
  'channel_not_found',
]);
/** Slack's own trouble: worth another try. */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);
/** How far back a crashed send's message is looked for. */
const LOOK_BACK_MS = 2 * 60_000;
const TYPE_NAMES_TTL_MS = 60_000;

/**
 * Sends the notice queue's DMs with a client that does not retry by itself (`rejectRateLimitedCalls`,
 * no retries), so every 429 reaches the drainer, which holds every call back for its Retry-After.
 * Each DM carries the notice's key as message metadata; `findSent` looks for it in the DM.
 */
export function createSlackNoticeSender(input: {
  client: webApi.WebClient;
  identities: IdentityStore;
  store: Pick<LicenseTypeStore, 'listLicenseTypes'>;
  now: () => Date;
  logger: Logger;
}): NoticeSender {
  const { client, identities, logger } = input;
  let names: { at: number; map: Map<string, string> } | undefined;
  const typeNames = async () => {
    if (!names || Date.now() - names.at > TYPE_NAMES_TTL_MS) {
      names = { at: Date.now(), map: new Map((await input.store.listLicenseTypes()).map((t) => [t.key, t.name])) };
    }
    return names.map;
  };

  // Two notices to one person in flight at once share one look-up.
  const lookups = new Map<string, ReturnType<typeof slackUserOfEmail>>();
  // What the current batch's recipients are known as, read in one query by prepare().
  let batchIdentities = new Map<string, SlackIdentity | null>();
  const recipient = async (notice: QueuedNotice, pace: () => Promise<void>, lookUp: boolean) => {
    if ('slackUserId' in notice.to) return { kind: 'found' as const, userId: notice.to.slackUserId };
    if (!lookUp) {
      const known = await identities.identityByEmail(notice.to.email);
      return known?.slackUserId ? { kind: 'found' as const, userId: known.slackUserId } : null;
    }
    const email = notice.to.email;
    let lookup = lookups.get(email);
    if (!lookup) {
      // Read with the batch: null when nothing was remembered; not in the batch: read now.
      const known = batchIdentities.get(email.toLowerCase());
      const at = input.now();
      lookup = slackUserOfEmail(client, identities, email, at, pace, known)
        .then((found) => {
          // Later notices of the batch to this person need no look-up of their own.
          if (batchIdentities.has(email.toLowerCase()))
            batchIdentities.set(email.toLowerCase(), { email, slackUserId: found.kind === 'found' ? found.userId : null, checkedAt: at });
          return found;
        })
        .finally(() => lookups.delete(email));
      lookups.set(email, lookup);
    }
    return lookup;
  };

  return {
    async prepare(notices) {
      const emails = notices.flatMap((n) => ('email' in n.to ? [n.to.email.toLowerCase()] : []));
      const found = new Map((await identities.identitiesByEmails(emails)).map((i) => [i.email, i]));
      batchIdentities = new Map(emails.map((email) => [email, found.get(email) ?? null]));
    },

    async send(notice, pace) {
      try {
        const to = await recipient(notice, pace, true);
        if (!to || to.kind === 'none') return { kind: 'no_account', reason: to?.reason ?? 'no Slack user has this email' };
        const message = buildLearnerNotice(notice.notice, await typeNames());
        await pace();
        const res = await client.chat.postMessage({
          channel: to.userId,
          text: message.text,
          blocks: message.blocks,
          metadata: { event_type: NOTICE_EVENT_TYPE, event_payload: { key: notice.key } },
          unfurl_links: false,
        });
        return { kind: 'sent', slackUserId: to.userId, channel: res.channel ?? to.userId, ts: res.ts ?? '' };
      } catch (error) {
        const result = classify(error);
        if (result.kind === 'no_account' && 'email' in notice.to) await forgetSlackUser(identities, notice.to.email, input.now());
        if (result.kind === 'failed') logger.warn('a notice was refused by Slack', { key: notice.key, error });
        return result;
      }
    },

    async findSent(notice, pace) {
      try {
        const to = await recipient(notice, pace, false);
        // Never matched to a Slack user: the earlier attempt stopped before posting anything.
        if (!to || to.kind === 'none') return null;
        await pace();
        const opened = await client.conversations.open({ users: to.userId });
        const channel = opened.channel?.id;
        if (!channel) return null;
        const since = (notice.sendingSince?.getTime() ?? notice.enqueuedAt.getTime()) - LOOK_BACK_MS;
        await pace();
        const history = await client.conversations.history({
          channel,
          oldest: (since / 1000).toFixed(6),
          limit: 200,
          include_all_metadata: true,
        });
        const found = (history.messages ?? []).find(
          (m) =>
            m.metadata?.event_type === NOTICE_EVENT_TYPE && (m.metadata.event_payload as { key?: unknown } | undefined)?.key === notice.key,
        );
        return found?.ts ? { kind: 'sent', slackUserId: to.userId, channel, ts: found.ts } : null;
      } catch (error) {
        const result = classify(error);
        if (result.kind === 'rate_limited' || result.kind === 'retry') return result;
        // The DM cannot be read (a missing im:history scope, say): sending again risks a duplicate, never a lost notice.
        logger.warn('could not check whether a notice was sent before; sending it', { key: notice.key, error });
        return null;
      }
    },
  };
}

/** What a Web API failure means for a notice. */
function classify(error: unknown): SendResult {
  const e = error as { code?: string; retryAfter?: number; statusCode?: number; message?: string };
  if (e?.code === 'slack_webapi_rate_limited_error') return { kind: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  const platform = platformErrorOf(error);
  if (platform) {
    if (UNREACHABLE.has(platform)) return { kind: 'no_account', reason: `Slack: ${platform}` };
    if (TRANSIENT.has(platform)) return { kind: 'retry', reason: `Slack: ${platform}` };
    return { kind: 'failed', reason: `Slack: ${platform}` };
  }
  if (e?.code === 'slack_webapi_http_error' && (e.statusCode ?? 500) < 500) return { kind: 'failed', reason: `HTTP ${e.statusCode}` };
  // HTTP 5xx, a timeout, a refused connection.
  return { kind: 'retry', reason: e?.message ?? String(error) };
}
