import type { webApi } from '@slack/bolt';
import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import type { ReclaimAsker, ReclaimAskResult, ReclaimNotifier } from '../../licensing/reclaim/ports.js';
import type { Logger } from '../../logger.js';
import type { SlackDeps } from '../deps.js';
import { sendForApproval, startBulkJob } from '../flows/bulk-flow.js';
import { tellUser } from '../support/post.js';
import { buildNotice, escapeMrkdwn } from '../views/blocks.js';
import { buildReclaimAskMessage, buildReclaimWeekMessage } from '../views/reclaim.js';

function slackError(error: unknown): { code?: string; retryAfterSec?: number } {
  const e = error as { code?: string; data?: { error?: string }; retryAfter?: number };
  return { ...(e.data?.error ? { code: e.data.error } : {}), ...(e.retryAfter !== undefined ? { retryAfterSec: e.retryAfter } : {}) };
}

/**
 * Keep / Release questions as plain DMs: the learner's Slack user is found by email
 * (users.lookupByEmail), and one chat.postMessage goes to them. No Slack account → `no_slack`,
 * not retried. A rate limit stops the batch and says how long to wait (the WebClient already
 * honours Retry-After on its own retries). Meant to be routed through the learner-notice queue
 * later: the port is one call per batch, with an idempotency key per learner and round.
 */
export function createSlackReclaimAsker(input: { client: webApi.WebClient; logger: Logger }): ReclaimAsker {
  const { client, logger } = input;
  return {
    async ask(items) {
      const results: ReclaimAskResult[] = [];
      for (const item of items) {
        try {
          const found = await client.users.lookupByEmail({ email: item.email });
          const userId = found.user?.id;
          if (!userId || found.user?.deleted) {
            results.push({ learnerId: item.learnerId, outcome: 'no_slack' });
            continue;
          }
          const message = buildReclaimAskMessage(item);
          await client.chat.postMessage({
            channel: userId,
            text: message.text,
            blocks: message.blocks,
            metadata: { event_type: 'reclaim_ask', event_payload: { key: item.key } },
          });
          results.push({ learnerId: item.learnerId, outcome: 'sent', slackUserId: userId });
        } catch (error) {
          const { code, retryAfterSec } = slackError(error);
          if (code === 'users_not_found' || code === 'user_not_found' || code === 'account_inactive') {
            results.push({ learnerId: item.learnerId, outcome: 'no_slack' });
            continue;
          }
          // Anything else (rate limits included): stop here; the rest is asked after the wait.
          logger.warn('could not ask a learner; trying again later', { key: item.key, code, error });
          return { results, retryAfterMs: Math.max(1, retryAfterSec ?? 30) * 1000 };
        }
      }
      return { results };
    },
  };
}

/** Round endings and the weekly summary in Slack. */
export function createSlackReclaimNotifier(input: {
  client: webApi.WebClient;
  slack: SlackDeps;
  reportChannelId?: string;
}): ReclaimNotifier {
  const { client, slack } = input;
  return {
    async roundClosed({ round, submission, code }) {
      if (submission) {
        if (submission.needsApproval) await sendForApproval(client, slack, submission.request);
        else await startBulkJob(client, slack, submission.request);
        return;
      }
      const why = code && code in errorMessages ? errorMessages[code as ErrorCode] : 'nothing was left to reclaim';
      const sentence =
        code === 'nothing_to_change'
          ? `The reclaim round for ${escapeMrkdwn(round.type)} ended: everyone asked kept or released their seat (or became active), so nothing is left to reclaim.`
          : `The reclaim round for ${escapeMrkdwn(round.type)} ended, but the request for the silent learners was refused: ${escapeMrkdwn(why)}`;
      await tellUser(client, round.requestedBy, buildNotice(sentence));
    },
    async weeklySummary(week) {
      if (!input.reportChannelId) return;
      const message = buildReclaimWeekMessage(week);
      await client.chat.postMessage({ channel: input.reportChannelId, text: message.text, blocks: message.blocks });
    },
  };
}
