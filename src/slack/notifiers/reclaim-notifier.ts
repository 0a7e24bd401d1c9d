import type { webApi } from '@slack/bolt';
import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import type { ReclaimNotifier } from '../../licensing/reclaim/ports.js';
import type { SlackDeps } from '../deps.js';
import { sendForApproval, startBulkJob } from '../flows/bulk-flow.js';
import { tellUser } from '../support/post.js';
import { buildNotice, escapeMrkdwn } from '../views/blocks.js';
import { buildReclaimWeekMessage } from '../views/reclaim.js';

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
