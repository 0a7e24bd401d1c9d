import { describeTypes } from '../../licensing/model.js';
import type { GrantEndedWithoutReturnNotice, GrantEndingNotice } from '../../licensing/notices/ports.js';
import type { PolicyOverview } from '../../licensing/policy/overview.js';
import type { ExtensionRequest, Grant, GrantTarget } from '../../licensing/schedule/ports.js';
import { ids } from '../ids.js';
import { encodeExtendModalMetadata, encodeExtensionRef, encodeGrantTarget } from '../parsers/timing.js';
import {
  type Button,
  button,
  context,
  escapeMrkdwn,
  type KnownBlock,
  type Message,
  type ModalView,
  plainText,
  section,
  slackDate,
} from './blocks.js';
import { buildUntilPicker, shownIn } from './timing.js';

const n = (value: number) => value.toLocaleString('en-US');

/** Strips Slack tokens from mrkdwn for a notification's fallback text. */
function plain(mrkdwn: string): string {
  return mrkdwn
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/<@([A-Z0-9]+)>/g, '$1')
    .replace(/\*/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The one-button row of an Extend (or "Ask for more time") on a grant or a bulk request's grants. */
function extendRow(
  actionId: typeof ids.grant.extend | typeof ids.grant.askExtend,
  label: string,
  target: GrantTarget,
  style?: 'primary',
): KnownBlock {
  return { type: 'actions', block_id: ids.grant.actionsBlock, elements: [extendButton(actionId, label, target, style)] };
}

/** An admin's Extend (`ids.grant.extend`) or a learner's Ask for more time (`ids.grant.askExtend`) on a grant or a bulk change's grants. */
export function extendButton(
  actionId: typeof ids.grant.extend | typeof ids.grant.askExtend,
  label: string,
  target: GrantTarget,
  style?: 'primary',
): Button {
  return button(actionId, label, encodeGrantTarget(target), style);
}

function typeList(keys: readonly string[], typeNames: ReadonlyMap<string, string>): string {
  return escapeMrkdwn(keys.map((key) => typeNames.get(key) ?? key).join(' + ') || 'no license');
}

/**
 * A DM about a grant, sent through the notice queue: to the learner (their license ends, with "Ask
 * for more time"), or to the admin who granted it (one learner, or a bulk change's learners
 * together, with Extend; or a grant that ended without giving back what it replaced). License
 * types are rendered with their names as they are when it is sent; each reader sees the end in
 * their own time zone.
 */
export function buildGrantNotice(
  notice: GrantEndingNotice | GrantEndedWithoutReturnNotice,
  typeNames: ReadonlyMap<string, string>,
): Message {
  const when = slackDate(notice.endsAt);
  const taken = typeList(notice.taken, typeNames);
  const returned = typeList(notice.returned, typeNames);
  if (notice.kind === 'grant_ended_without_return') {
    const email = escapeMrkdwn(notice.learner.email);
    const sentence = `:warning: The time-bound ${taken} of *${email}* ended ${when}, but ${returned} could not be given back: no seat was free. They now hold neither; change their licenses with \`/license show ${email}\`.`;
    return { text: plain(sentence), blocks: [section(sentence)] };
  }
  const back = notice.returned.length ? `, and ${notice.audience === 'learner' ? 'you get' : 'they get'} ${returned} back` : '';
  if (notice.audience === 'learner') {
    const sentence = `:hourglass: Your ${taken} license ends ${when}${back}. Your usage so far stays on reports. Need it longer? Ask for more time.`;
    return {
      text: plain(sentence),
      blocks: [section(sentence), extendRow(ids.grant.askExtend, 'Ask for more time', notice.target)],
    };
  }
  const who =
    notice.count === 1
      ? `*${escapeMrkdwn(notice.learners[0]?.name ?? '')}* (${escapeMrkdwn(notice.learners[0]?.email ?? '')})`
      : `*${n(notice.count)} learners* of your bulk change (${notice.learners.map((l) => escapeMrkdwn(l.email)).join(', ')}${notice.count > notice.learners.length ? ', …' : ''})`;
  const sentence = `:hourglass: The ${taken} you granted ${who} ends ${when}${back}.`;
  return {
    text: plain(sentence),
    blocks: [
      section(sentence),
      extendRow(ids.grant.extend, notice.count === 1 ? 'Extend' : `Extend all ${n(notice.count)}`, notice.target, 'primary'),
    ],
  };
}

/** The extend modal: what ends when, the new end (in the admin's zone) and an optional reason. */
export function buildExtendModal(input: {
  target: GrantTarget;
  grant: Grant;
  learners: number;
  learnerLabel: string;
  typeNames: ReadonlyMap<string, string>;
  timeZone: string;
  channelId?: string;
  maxGrantDays?: number;
}): ModalView {
  const { grant } = input;
  const what = `${escapeMrkdwn(describeTypes(grant.added, input.typeNames))} of ${
    input.learners === 1 ? `*${escapeMrkdwn(input.learnerLabel)}*` : `*${n(input.learners)} learners*`
  }`;
  const limit =
    input.maxGrantDays !== undefined
      ? ` Beyond ${input.maxGrantDays} days from its start (${shownIn(grant.since, input.timeZone)}), a team lead must approve.`
      : '';
  const blocks: KnownBlock[] = [
    section(`The ${what} ends ${shownIn(grant.endsAt, input.timeZone)}. Pick the new end.${limit}`, ids.extendModal.summaryBlock),
    ...buildUntilPicker(grant.endsAt, input.timeZone),
    context(`Times are in ${escapeMrkdwn(input.timeZone)}, your Slack time zone.`),
    {
      type: 'input',
      block_id: ids.extendModal.reasonBlock,
      optional: true,
      label: plainText('Reason', 2000),
      element: { type: 'plain_text_input', action_id: ids.extendModal.reasonInput, max_length: 500 },
    },
  ];
  return {
    type: 'modal',
    callback_id: ids.extendModal.callback,
    private_metadata: encodeExtendModalMetadata({
      target: input.target,
      timeZone: input.timeZone,
      ...(input.channelId ? { channelId: input.channelId } : {}),
    }),
    title: plainText('Extend license', 24),
    submit: plainText('Extend', 24),
    close: plainText('Cancel', 24),
    blocks,
  };
}

/** An extension past MAX_GRANT_DAYS for the leads, with Approve / Reject while it waits. */
export function buildExtensionMessage(request: ExtensionRequest, learnerLabel: string): Message {
  const who = request.learners === 1 ? `*${escapeMrkdwn(learnerLabel)}*` : `*${n(request.learners)} learners*`;
  const lines = [
    `:hourglass: *Extension for approval*: <@${request.requestedBy}> asks to keep the time-bound license of ${who} until ${shownIn(request.endsAt, request.timeZone)} (now ${shownIn(request.previousEndsAt, request.timeZone)}), past MAX_GRANT_DAYS.`,
    ...(request.reason ? [`*Reason:* ${escapeMrkdwn(request.reason)}`] : []),
  ];
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  const decided = request.decidedBy && request.decidedAt ? ` by <@${request.decidedBy}> ${slackDate(request.decidedAt)}` : '';
  if (request.status === 'pending_approval') {
    const value = encodeExtensionRef(request.id);
    blocks.push({
      type: 'actions',
      block_id: ids.extension.actionsBlock,
      elements: [button(ids.extension.approve, 'Approve', value, 'primary'), button(ids.extension.reject, 'Reject', value, 'danger')],
    });
    blocks.push(context(`Undecided by ${slackDate(request.expiresAt)}, the license ends as planned.`));
  } else {
    const outcome = { approved: ':white_check_mark: Approved', rejected: ':x: Rejected', expired: ':hourglass: Not decided in time' }[
      request.status
    ];
    blocks.push(section(`${outcome}${decided}.`));
  }
  return { text: plain(lines[0] ?? ''), blocks };
}

/** Told to the admin who granted a license when its learner asks for more time. */
export function buildExtensionAskMessage(input: {
  learnerName: string;
  learnerEmail: string;
  grant: Grant;
  typeNames: ReadonlyMap<string, string>;
}): Message {
  const sentence = `:raising_hand: *${escapeMrkdwn(input.learnerName)}* (${escapeMrkdwn(input.learnerEmail)}) asks for more time on the ${escapeMrkdwn(
    describeTypes(input.grant.added, input.typeNames),
  )} you granted; it ends ${slackDate(input.grant.endsAt)}.`;
  return {
    text: plain(sentence),
    blocks: [section(sentence), extendRow(ids.grant.extend, 'Extend', { grantId: input.grant.id }, 'primary')],
  };
}

/** The ends of a learner's grants, for the learner card: "Learning Pro until …, then back to Learning Core". */
export function grantLines(grants: readonly Grant[], typeNames: ReadonlyMap<string, string>): string[] {
  return grants.map((g) => `:hourglass: ${grantEndText(g, typeNames)} (granted by <@${g.grantedBy}>)`);
}

/** "Learning Pro until <date>, then back to Learning Core": the date in each reader's own time zone. */
export function grantEndText(grant: Grant, typeNames: ReadonlyMap<string, string>): string {
  const back = grant.removed.length ? `, then back to ${escapeMrkdwn(describeTypes(grant.removed, typeNames))}` : '';
  return `${escapeMrkdwn(describeTypes(grant.added, typeNames))} until ${slackDate(grant.endsAt)}${back}`;
}

/** Extend buttons for the first few of a learner's grants (the card holds one actions block of them). */
export function grantButtons(grants: readonly Grant[], typeNames: ReadonlyMap<string, string>): KnownBlock[] {
  if (!grants.length) return [];
  return [
    {
      type: 'actions',
      block_id: ids.grant.actionsBlock,
      elements: grants
        .slice(0, 5)
        .map((g) => extendButton(ids.grant.extend, `Extend ${describeTypes(g.added, typeNames)}`, { grantId: g.id })),
    },
  ];
}

/** `/license policy`: how approvals and time-bound licenses are handled here. */
export function buildPolicyMessage(policy: PolicyOverview): Message {
  const escalation = policy.escalateTo
    ? 'channelId' in policy.escalateTo
      ? `escalated to <#${policy.escalateTo.channelId}> with a fresh ${policy.ttlHours} h deadline, then it expires`
      : `escalated to ${policy.escalateTo.users.map((u) => `<@${u}>`).join(', ')} (who may then decide it) with a fresh ${policy.ttlHours} h deadline, then it expires`
    : 'it expires (APPROVAL_ESCALATE_TO is not set)';
  const lines = [
    `• Bulk changes of more than *${n(policy.approvalThreshold)}* learners need a team lead’s approval (BULK_APPROVAL_THRESHOLD).`,
    policy.quorum
      ? `• Above *${n(policy.quorum.threshold)}* learners, *${policy.quorum.approvals}* different team leads must approve (BULK_QUORUM_THRESHOLD, BULK_QUORUM); the requester never counts, and one Reject ends it.`
      : '• One team lead’s approval is enough (no BULK_QUORUM_THRESHOLD).',
    `• A request waits *${policy.ttlHours} h* (APPROVAL_TTL_HOURS). After ${policy.remindAfterHours} h the leads who can still decide are reminded in its thread.`,
    `• At the deadline it is ${escalation}.`,
    policy.maxGrantDays !== undefined
      ? `• A time-bound license (“until”) lasts at most *${policy.maxGrantDays} days* from its start; extending it further needs a team lead’s approval (MAX_GRANT_DAYS).`
      : '• Time-bound licenses (“until”) have no maximum length (MAX_GRANT_DAYS is not set).',
  ];
  return { text: plain(`Approval policy: ${lines.join(' ')}`), blocks: [section(`*Approval policy*\n${lines.join('\n')}`)] };
}
