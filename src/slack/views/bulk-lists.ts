import type { BulkRequest, BulkStatus } from '../../licensing/bulk/ports.js';
import { requestActionsBlockId } from '../ids.js';
import { encodeRequestRef } from '../parsers/payloads.js';
import { approvalButtons, context, escapeMrkdwn, type KnownBlock, type Message, section, slackDate } from './blocks.js';
import { summaryLine } from './bulk-messages.js';
import { describeBulkChange } from './bulk-modal.js';

const n = (value: number) => value.toLocaleString('en-US');

const statusIcon: Record<BulkStatus, string> = {
  pending_approval: ':lock:',
  approved: ':hourglass:',
  running: ':hourglass_flowing_sand:',
  completed: ':white_check_mark:',
  cancelled: ':no_entry_sign:',
  rejected: ':x:',
  expired: ':hourglass:',
  failed: ':warning:',
};

/** `/license jobs`: recent bulk changes with status and progress. */
export function buildJobsMessage(requests: readonly BulkRequest[], names: ReadonlyMap<string, string>): Message {
  if (!requests.length) return { text: 'No bulk changes yet.', blocks: [section('No bulk changes yet. Start one with `/license bulk`.')] };
  const lines = requests.map((r) => {
    const processed = r.progress.done + r.progress.skipped + r.progress.failed;
    const progress = r.progress.total ? ` · ${n(processed)}/${n(r.progress.total)} (${n(r.progress.failed)} failed)` : '';
    return `${statusIcon[r.status]} *${r.status.replace('_', ' ')}* · ${n(r.preview.toChange)} learners, ${escapeMrkdwn(describeBulkChange(r.change, names))}${progress} · <@${r.requestedBy}> ${slackDate(r.createdAt)}`;
  });
  return { text: `${requests.length} recent bulk changes`, blocks: [section(`*Recent bulk changes*\n${lines.join('\n')}`.slice(0, 3000))] };
}

/**
 * `/license requests`: pending approvals (a message holds 50 blocks), each with its buttons for
 * those who may decide (admins and leads; the click is checked again).
 */
export function buildRequestsMessage(
  requests: readonly BulkRequest[],
  names: ReadonlyMap<string, string>,
  options: { withButtons: boolean },
): Message {
  if (!requests.length)
    return { text: 'No bulk changes are waiting for approval.', blocks: [section('No bulk changes are waiting for approval.')] };
  const blocks: KnownBlock[] = [section(`*Waiting for approval (${requests.length})*`)];
  for (const request of requests.slice(0, 15)) {
    blocks.push(
      section(
        `${summaryLine(request, names)}\n*Reason:* ${escapeMrkdwn(request.reason)}${request.expiresAt ? `\nExpires ${slackDate(request.expiresAt)}` : ''}`,
      ),
    );
    if (options.withButtons) blocks.push(approvalButtons(requestActionsBlockId(request.id), encodeRequestRef(request.id)));
  }
  if (requests.length > 15) blocks.push(context(`${requests.length - 15} more are waiting.`));
  return { text: `${requests.length} bulk changes are waiting for approval`, blocks };
}

/** `/license leads list`. */
export function buildLeadsMessage(leads: readonly { userId: string; groups: readonly string[]; fromConfig: boolean }[]): Message {
  if (!leads.length)
    return {
      text: 'No team leads yet.',
      blocks: [section('No team leads yet. Add one with `/license leads add @person [group …]` or LICENSE_APPROVERS.')],
    };
  const lines = leads.map(
    (l) =>
      `• <@${l.userId}> — ${l.groups.length ? `groups: ${escapeMrkdwn(l.groups.join(', '))}` : 'any group'}${l.fromConfig ? ' _(from LICENSE_APPROVERS)_' : ''}`,
  );
  return {
    text: `Team leads: ${leads.map((l) => l.userId).join(', ')}`,
    blocks: [section(`*Team leads who approve bulk changes*\n${lines.join('\n')}`)],
  };
}
