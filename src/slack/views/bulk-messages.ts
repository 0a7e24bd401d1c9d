import type { BulkFailure, BulkProgressCounts, BulkRequest, BulkStatus, BulkSummary } from '../../licensing/bulk/ports.js';
import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import { freeSeats, type LicenseType } from '../../licensing/model.js';
import { ids } from '../ids.js';
import { encodeRequestRef } from '../parsers/payloads.js';
import {
  approvalButtons,
  type Button,
  button,
  context,
  escapeMrkdwn,
  fallbackText,
  type KnownBlock,
  type Message,
  section,
  slackDate,
} from './blocks.js';
import { describeBulkChange } from './bulk-modal.js';
import { bulkTimingLine, shownIn } from './timing.js';

const n = (value: number) => value.toLocaleString('en-US');

/** The reason sentence for a failure code (codes from the job, not always domain errors). */
export function failureSentence(code: string): string {
  return code in errorMessages ? errorMessages[code as ErrorCode] : code;
}

/** "1 of 2 approvals: @lee" while a quorum is being gathered. */
export function quorumLine(request: Pick<BulkRequest, 'quorum' | 'approvals'>): string {
  const needed = request.quorum ?? 1;
  if (needed <= 1) return '';
  const approvals = request.approvals ?? [];
  const who = approvals.map((a) => `<@${a.by}>`).join(', ');
  return `${approvals.length} of ${needed} approvals${who ? `: ${who}` : ''}`;
}

/** "@ann asks to change *120* learners: from Core to Pro." */
export function summaryLine(request: BulkRequest, names: ReadonlyMap<string, string>): string {
  if (request.undo)
    return `<@${request.requestedBy}> asks to *undo* job ${request.undo.of} for *${n(request.preview.toChange)}* learners (${n(request.preview.blocked)} changed since, not restored): ${escapeMrkdwn(describeBulkChange(request.change, names))}, reversed.`;
  return `<@${request.requestedBy}> asks to change *${n(request.preview.toChange)}* learners: ${escapeMrkdwn(describeBulkChange(request.change, names))}.`;
}

/** The approval request in the approvers' channel; buttons only while it is pending. */
export function buildApprovalMessage(request: BulkRequest, names: ReadonlyMap<string, string>, target: LicenseType | null): Message {
  const seatsAfter =
    target && target.capacity !== null && request.status === 'pending_approval'
      ? `Seats of ${escapeMrkdwn(target.name)} after: ${n(Math.max(0, freeSeats(target) - request.preview.seatsNeeded))} free of ${n(target.capacity)}.`
      : target && target.capacity === null
        ? `${escapeMrkdwn(target.name)} has unlimited seats.`
        : '';
  const timing = bulkTimingLine(request);
  const blocks: KnownBlock[] = [
    section(
      `:inbox_tray: *Bulk license change for approval*\n${summaryLine(request, names)}\n*Reason:* ${escapeMrkdwn(request.reason)}${seatsAfter ? `\n${seatsAfter}` : ''}${timing ? `\n${timing}` : ''}`,
    ),
    context(
      `${n(request.preview.matched)} matched · ${n(request.preview.alreadyOnTarget)} already there · ${n(request.preview.blocked)} skipped · request ${request.id}`,
    ),
  ];
  const decided = request.decidedBy && request.decidedAt ? ` by <@${request.decidedBy}> ${slackDate(request.decidedAt)}` : '';
  const outcome: Partial<Record<BulkStatus, string>> = {
    approved: `:white_check_mark: Approved${decided}.`,
    running: `:white_check_mark: Approved${decided}.`,
    completed: `:white_check_mark: Approved${decided}.`,
    failed: `:white_check_mark: Approved${decided}.`,
    rejected: `:x: Rejected${decided}: ${escapeMrkdwn(request.decisionReason ?? '')}`,
    expired: `:hourglass: Expired without a decision${request.expiresAt ? ` ${slackDate(request.expiresAt)}` : ''}.`,
    cancelled: `:no_entry_sign: Cancelled${request.cancelRequestedBy ? ` by <@${request.cancelRequestedBy}>` : ''}.`,
  };
  const quorum = quorumLine(request);
  if (request.status === 'pending_approval') {
    if (quorum) blocks.push(section(`:busts_in_silhouette: ${quorum}`));
    blocks.push(approvalButtons(ids.bulkRequest.actionsBlock, encodeRequestRef(request.id)));
    const escalated = request.escalatedAt ? `Escalated ${slackDate(request.escalatedAt)}. ` : '';
    if (request.expiresAt) blocks.push(context(`${escalated}Expires ${slackDate(request.expiresAt)} if nobody decides.`));
  } else {
    if (quorum && request.approvals?.length) blocks.push(context(quorum));
    blocks.push(section(outcome[request.status] ?? request.status));
  }
  const state = request.status === 'pending_approval' ? 'waiting for approval' : request.status.replace('_', ' ');
  return { text: `Bulk license change by ${request.requestedBy} (${n(request.preview.toChange)} learners): ${state}`, blocks };
}

function bar(done: number, total: number): string {
  const width = 20;
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\``;
}

/** The progress message in the requester's channel, with Cancel while the job can stop. */
export function buildProgressMessage(request: BulkRequest, counts: BulkProgressCounts, names: ReadonlyMap<string, string>): Message {
  const processed = counts.done + counts.skipped + counts.failed;
  const running = request.status === 'approved' || request.status === 'running';
  // Approved with a moment to apply at and not started: it waits for it (Cancel still works).
  const scheduled = request.status === 'approved' && request.applyAt !== undefined;
  const header = scheduled
    ? `:calendar: *Bulk license change scheduled* for ${shownIn(request.applyAt ?? new Date(0), request.timeZone)}`
    : running
      ? ':hourglass_flowing_sand: *Bulk license change running*'
      : `*Bulk license change ${request.status}*`;
  const until = request.until
    ? `\n${bulkTimingLine({ until: request.until, ...(request.timeZone ? { timeZone: request.timeZone } : {}) })}`
    : '';
  const blocks: KnownBlock[] = [
    section(`${header}\n${summaryLine(request, names)}${until}`),
    scheduled
      ? context('Seats and the selection are checked again when it starts; nothing changes before then.')
      : section(
          `${bar(processed, counts.total)} ${n(processed)} / ${n(counts.total)}\n*${n(counts.done)}* changed · ${n(counts.skipped)} skipped · ${n(counts.failed)} failed`,
        ),
  ];
  if (running && !request.cancelRequestedAt) {
    blocks.push({ type: 'actions', block_id: ids.bulkRequest.jobActionsBlock, elements: [cancelJobButton(request.id)] });
  } else if (request.cancelRequestedAt && running) {
    blocks.push(context(`Cancelling at the end of the current batch (asked by <@${request.cancelRequestedBy ?? request.requestedBy}>).`));
  }
  const state = running ? '' : ` ${request.status}`;
  if (scheduled)
    return { text: `Bulk license change scheduled for ${request.applyAt?.toISOString()}: ${n(request.preview.toChange)} learners`, blocks };
  return {
    text: `Bulk license change${state}: ${n(processed)} of ${n(counts.total)} processed (${n(counts.done)} changed, ${n(counts.skipped)} skipped, ${n(counts.failed)} failed)`,
    blocks,
  };
}

/** A job's Cancel button, with the confirmation that says what cancelling does (progress message, App Home). */
export function cancelJobButton(requestId: string): Button {
  return {
    ...button(ids.bulkRequest.cancelJob, 'Cancel', encodeRequestRef(requestId)),
    confirm: {
      title: { type: 'plain_text', text: 'Cancel this change?' },
      text: { type: 'plain_text', text: 'Learners already changed stay changed; the rest are left as they are.' },
      confirm: { type: 'plain_text', text: 'Cancel the job' },
      deny: { type: 'plain_text', text: 'Keep going' },
    },
  };
}

function duration(from?: Date, to?: Date): string {
  if (!from || !to) return '';
  const s = Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export const FAILURES_LISTED = 20;

/** Where the learning platform stands with a job's changes (only when sync is on). */
export type PlatformSyncLine = { state: 'pending' } | { state: 'in_sync'; at: Date; refused: number };

function platformPart(platform: PlatformSyncLine | undefined): { mrkdwn: string; text: string } {
  if (!platform) return { mrkdwn: '', text: '' };
  if (platform.state === 'pending')
    return { mrkdwn: ' · :arrows_counterclockwise: platform sync pending', text: ', platform sync pending' };
  const seconds = Math.floor(platform.at.getTime() / 1000);
  const when = `<!date^${seconds}^{time}|${platform.at.toISOString()}>`;
  const refused = platform.refused ? `, ${n(platform.refused)} refused by the platform (see \`/license sync\`)` : '';
  return {
    mrkdwn: ` · :link: platform in sync ${when}${refused}`,
    text: `, platform in sync ${platform.at.toISOString()}${refused.replace(/`/g, '')}`,
  };
}

/** How many of a job's learners were told in a DM (only when LEARNER_NOTICES was on for it). */
export type LearnersToldLine =
  | { state: 'telling'; told: number; total: number }
  | { state: 'told'; sent: number; noAccount: number; failed: number };

function toldPart(line: LearnersToldLine | undefined): { mrkdwn: string; text: string } {
  if (!line) return { mrkdwn: '', text: '' };
  if (line.state === 'telling') {
    const text = `${n(line.told)} of ${n(line.total)} learners told so far`;
    return { mrkdwn: ` · :speech_balloon: ${text}`, text: `, ${text}` };
  }
  const without = line.noAccount ? `, ${n(line.noAccount)} without a Slack account` : '';
  const failed = line.failed ? `, ${n(line.failed)} could not be messaged` : '';
  const text = `${n(line.sent)} learner${line.sent === 1 ? '' : 's'} told${without}${failed}`;
  return { mrkdwn: ` · :speech_balloon: ${text}`, text: `, ${text}` };
}

/** The completion notice: counts, duration and the first failures (the rest go in a CSV). */
export function buildCompletionNotice(
  request: BulkRequest,
  summary: BulkSummary,
  firstFailures: readonly BulkFailure[],
  names: ReadonlyMap<string, string>,
  platform?: PlatformSyncLine,
  options: { undo?: boolean; told?: LearnersToldLine } = {},
): Message {
  const sync = platformPart(platform);
  const learners = toldPart(options.told);
  const icon: Partial<Record<BulkStatus, string>> = { completed: ':white_check_mark:', cancelled: ':no_entry_sign:', failed: ':x:' };
  const took = duration(summary.startedAt, summary.finishedAt);
  const what = request.undo
    ? `undo of job ${request.undo.of} (${escapeMrkdwn(describeBulkChange(request.change, names))}, reversed)`
    : escapeMrkdwn(describeBulkChange(request.change, names));
  const headline = `${icon[summary.status] ?? ''} Bulk license change *${summary.status}*${took ? ` in ${took}` : ''}: ${what}.`;
  const counts = `*${n(summary.done)}* changed · ${n(summary.skipped)} skipped · ${n(summary.failed)} failed${summary.status === 'cancelled' ? ` · ${n(Math.max(0, summary.total - summary.done - summary.skipped - summary.failed))} left untouched` : ''}${sync.mrkdwn}${learners.mrkdwn}`;
  const blocks: KnownBlock[] = [section(`${headline}\n${counts}`)];
  if (firstFailures.length) {
    const lines = firstFailures
      .slice(0, FAILURES_LISTED)
      .map((f) => `• ${escapeMrkdwn(f.email)} — ${escapeMrkdwn(failureSentence(f.code))}`);
    blocks.push(
      section(
        `*Failures${summary.failed > FAILURES_LISTED ? ` (first ${FAILURES_LISTED} of ${n(summary.failed)}; all of them are in the attached CSV)` : ''}*\n${lines.join('\n')}`,
      ),
    );
  }
  if (summary.failureCode)
    blocks.push(context(`Stopped because: ${escapeMrkdwn(summary.failureDetail ?? failureSentence(summary.failureCode))}`));
  blocks.push(context(`Requested by <@${request.requestedBy}> · reason: ${escapeMrkdwn(request.reason)} · job ${request.id}`));
  if (options.undo) blocks.push(undoJobButton(request.id));
  return {
    text: `Bulk license change ${summary.status}: ${n(summary.done)} changed, ${n(summary.skipped)} skipped, ${n(summary.failed)} failed${sync.text}${learners.text}`,
    blocks,
  };
}

/** The reply in the approval message's thread when a request is decided, expires or is cancelled: who and when. */
export function buildDecisionReply(request: BulkRequest): Message {
  const at = request.decidedAt ?? request.updatedAt;
  const by = request.decidedBy ? `<@${request.decidedBy}>` : 'nobody';
  switch (request.status) {
    case 'rejected':
      return reply(`:x: Rejected by ${by} ${slackDate(at)}: “${escapeMrkdwn(request.decisionReason ?? '')}”. Nothing was changed.`);
    case 'expired':
      return reply(`:hourglass: Expired ${slackDate(request.expiresAt ?? at)} without a decision. Nothing was changed.`);
    case 'cancelled':
      return reply(
        `:no_entry_sign: Cancelled by <@${request.cancelRequestedBy ?? request.requestedBy}> ${slackDate(request.cancelRequestedAt ?? at)} before it started. Nothing was changed.`,
      );
    default:
      return reply(
        `:white_check_mark: Approved by ${by} ${slackDate(at)}. The change of ${n(request.preview.toChange)} learners is running.`,
      );
  }
}

/** The reply in the approval message's thread when the job ends. */
export function buildJobOutcomeReply(request: BulkRequest, summary: BulkSummary): Message {
  const icon: Partial<Record<BulkStatus, string>> = { completed: ':white_check_mark:', cancelled: ':no_entry_sign:', failed: ':x:' };
  const took = duration(summary.startedAt, summary.finishedAt);
  const when = summary.finishedAt ? ` ${slackDate(summary.finishedAt)}` : '';
  const what =
    summary.status === 'cancelled'
      ? `was cancelled${request.cancelRequestedBy ? ` by <@${request.cancelRequestedBy}>` : ''}`
      : summary.status;
  return reply(
    `${icon[summary.status] ?? ''} The job ${what}${when}${took ? ` after ${took}` : ''}: ${n(summary.done)} changed, ${n(summary.skipped)} skipped, ${n(summary.failed)} failed.`,
  );
}

function reply(sentence: string): Message {
  return { text: fallbackText(sentence), blocks: [section(sentence)] };
}

/** Told to the requester when their stored request could not be posted for approval or started. */
export function buildAnnounceFailedNotice(request: BulkRequest, needsApproval: boolean): Message {
  const learners = n(request.preview.toChange);
  const sentence = needsApproval
    ? `Your bulk change of ${learners} learners was saved, but I could not post it for approval (Slack did not accept the message). The team leads can still find it with \`/license requests\`; nothing was changed yet.`
    : `Your bulk change of ${learners} learners was saved and approved, but I could not start it just now. It will be started automatically within a few minutes; \`/license jobs\` shows where it stands.`;
  return { text: sentence, blocks: [section(`:warning: ${sentence}`), context(`request ${request.id}`)] };
}

/** Undo on a finished job's notice: a confirm dialog first, since it makes a bulk request of its own. */
export function undoJobButton(requestId: string): KnownBlock {
  return { type: 'actions', block_id: ids.undo.jobActionsBlock, elements: [undoButton(requestId)] };
}

/** The Undo button of a finished job (its notice, App Home), with the confirmation that says what undoing does. */
export function undoButton(requestId: string): Button {
  return {
    ...button(ids.undo.job, 'Undo', encodeRequestRef(requestId)),
    confirm: {
      title: { type: 'plain_text', text: 'Undo this change?' },
      text: {
        type: 'plain_text',
        text: 'Every learner the job changed goes back to what they held before, unless their licenses changed since. It needs the same approval as the job.',
      },
      confirm: { type: 'plain_text', text: 'Undo' },
      deny: { type: 'plain_text', text: 'Keep it' },
    },
  };
}

/** Replaces a job's notice once an undo was asked for: no second Undo. */
export function buildUndoRequestedLine(undoId: string, by: string): KnownBlock {
  return context(`:leftwards_arrow_with_hook: Undo requested by <@${by}> · job ${undoId}`);
}
