import type { webApi } from '@slack/bolt';
import type { BulkDeps, BulkRequest, MessageRef } from '../../licensing/bulk/ports.js';
import type { ApprovalNotifier, EscalationTarget } from '../../licensing/policy/ports.js';
import type { Logger } from '../../logger.js';
import { buildNotice, slackDate } from '../views/blocks.js';
import { buildApprovalMessage } from '../views/bulk-messages.js';

/**
 * Reminders and escalations of bulk approvals in Slack: replies in the approval message's thread
 * (so the channel keeps the record and the people mentioned are notified), and copies of the
 * approval message, with its buttons, where the request is escalated to.
 */
export function createSlackApprovalNotifier(input: {
  client: webApi.WebClient;
  deps: Pick<BulkDeps, 'store'>;
  logger: Logger;
}): ApprovalNotifier {
  const { client, deps, logger } = input;

  const inThread = async (request: BulkRequest, sentence: string) => {
    const ref = request.approvalMessage;
    if (!ref) return;
    const message = buildNotice(sentence);
    await client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text: message.text, blocks: message.blocks });
  };

  return {
    async reminded(request, leads) {
      const who = leads.length ? leads.map((id) => `<@${id}>`).join(' ') : 'Team leads';
      const sentence = `:alarm_clock: ${who}: this bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners still waits for a decision. It ${request.escalatedAt ? 'expires' : 'reaches its deadline'} ${request.expiresAt ? slackDate(request.expiresAt) : 'soon'}.`;
      try {
        if (request.approvalMessage) await inThread(request, sentence);
        else for (const lead of leads) await client.chat.postMessage({ channel: lead, ...buildNotice(sentence) });
      } catch (error) {
        logger.warn('could not post the approval reminder', { requestId: request.id, error });
      }
    },

    async escalated(request, target: EscalationTarget) {
      const types = await deps.store.listLicenseTypes();
      const names = new Map(types.map((t) => [t.key, t.name]));
      const change = request.change;
      const targetType = change.kind === 'revoke' ? null : (types.find((t) => t.key === change.to) ?? null);
      const message = buildApprovalMessage(request, names, targetType);
      const destinations = 'channelId' in target ? [target.channelId] : target.users;
      const refs: MessageRef[] = [];
      for (const channel of destinations) {
        try {
          const res = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
          if (res.channel && res.ts) refs.push({ channel: res.channel, ts: res.ts });
        } catch (error) {
          logger.warn('could not post the escalated approval request', { requestId: request.id, channel, error });
        }
      }
      const to = 'channelId' in target ? `<#${target.channelId}>` : target.users.map((u) => `<@${u}>`).join(', ');
      await inThread(
        request,
        `:arrow_double_up: Nobody decided in time, so this request was escalated to ${to}. New deadline: ${request.expiresAt ? slackDate(request.expiresAt) : 'none'}.`,
      ).catch((error: unknown) => logger.warn('could not note the escalation in the thread', { requestId: request.id, error }));
      return refs;
    },
  };
}
