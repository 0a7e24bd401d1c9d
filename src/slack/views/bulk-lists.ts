import type { BulkRequest, BulkStatus } from '../../licensing/bulk/ports.js';
import { isScheduledChange } from '../../licensing/schedule/scheduled.js';
import { ids, jobActionsBlockId, requestActionsBlockId } from '../ids.js';
import { encodeRequestRef } from '../parsers/payloads.js';
import { approvalButtons, button, context, escapeMrkdwn, type KnownBlock, type Message, plainText, section, slackDate } from './blocks.js';
import { quorumLine, summaryLine } from './bulk-messages.js';
import { describeBulkChange } from './bulk-modal.js';
import { bulkTimingLine } from './timing.js';

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

/**
 * `/license jobs`: recent bulk changes with status and progress; scheduled ones (waiting for their
 * "apply at") first, each with Cancel.
 */
export function buildJobsMessage(requests: readonly BulkRequest[], names: ReadonlyMap<string, string>): Message {
  if (!requests.length) return { text: 'No bulk changes yet.', blocks: [section('No bulk changes yet. Start one with `/license bulk`.')] };
  const scheduled = requests.filter(isScheduledChange);
  const blocks: KnownBlock[] = [];
  for (const r of scheduled.slice(0, 10)) blocks.push(...scheduledChangeBlocks(r, names));
  const lines = requests
    .filter((r) => !isScheduledChange(r))
    .map((r) => {
      const processed = r.progress.done + r.progress.skipped + r.progress.failed;
      const progress = r.progress.total ? ` · ${n(processed)}/${n(r.progress.total)} (${n(r.progress.failed)} failed)` : '';
      const until = r.until ? ` · until ${slackDate(r.until)}` : '';
      const what = r.undo ? `undo of job ${r.undo.of}` : escapeMrkdwn(describeBulkChange(r.change, names));
      const undone = r.undoneBy ? ` · undo: job ${r.undoneBy}` : '';
      return `${statusIcon[r.status]} *${r.status.replace('_', ' ')}* · ${n(r.preview.toChange)} learners, ${what}${progress}${until} · <@${r.requestedBy}> ${slackDate(r.createdAt)} · job ${r.id}${undone}`;
    });
  if (lines.length) blocks.push(section(`*Recent bulk changes*\n${lines.join('\n')}`.slice(0, 3000)));
  const waiting = scheduled.length ? `, ${scheduled.length} scheduled` : '';
  return { text: `${requests.length} recent bulk changes${waiting}`, blocks };
}

/** A scheduled change (`/license jobs`, App Home): what it does and when, and Cancel (nothing has changed yet). */
export function scheduledChangeBlocks(request: BulkRequest, names: ReadonlyMap<string, string>): KnownBlock[] {
  return [
    section(
      `:calendar: *scheduled* · ${n(request.preview.toChange)} learners, ${escapeMrkdwn(describeBulkChange(request.change, names))} · <@${request.requestedBy}>\n${bulkTimingLine(request)}`,
    ),
    {
      type: 'actions',
      block_id: jobActionsBlockId(request.id),
      elements: [
        {
          ...button(ids.bulkRequest.cancelJob, 'Cancel', encodeRequestRef(request.id), 'danger'),
          confirm: {
            title: plainText('Cancel this scheduled change?', 100),
            text: plainText('Nothing has changed yet; it will not run.', 300),
            confirm: plainText('Cancel it', 30),
            deny: plainText('Keep it', 30),
          },
        },
      ],
    },
  ];
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
    const quorum = quorumLine(request);
    const timing = bulkTimingLine(request);
    blocks.push(
      section(
        `${summaryLine(request, names)}\n*Reason:* ${escapeMrkdwn(request.reason)}${timing ? `\n${timing}` : ''}${quorum ? `\n${quorum}` : ''}${request.expiresAt ? `\nExpires ${slackDate(request.expiresAt)}` : ''}`,
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
