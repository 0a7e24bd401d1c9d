import { errorMessages } from '../../licensing/errors.js';
import { describeTypes } from '../../licensing/model.js';
import type { ChangeReview, ConfirmOutcome } from '../../licensing/single/change-requests.js';
import type { ChangeRequest } from '../../licensing/single/ports.js';
import { ids } from '../ids.js';
import { encodeRequestRef } from '../parsers/payloads.js';
import { button, context, escapeMrkdwn, type Message, section, slackDate } from './blocks.js';
import { shownIn } from './timing.js';

/** When the change applies and until when, in the admin's zone: "Applies Tue 10 Nov 2026, 09:00 (…)." */
export function timingSentence(
  review: Pick<ChangeReview, 'before' | 'after' | 'typeNames' | 'request'>,
  options: { applied?: boolean } = {},
): string {
  const { applyAt, until, timeZone } = review.request;
  const parts: string[] = [];
  if (applyAt && !options.applied) parts.push(`Applies ${shownIn(applyAt, timeZone)}.`);
  if (until) {
    const gained = review.after.filter((t) => !review.before.includes(t));
    const lost = review.before.filter((t) => !review.after.includes(t));
    const back = lost.length ? ` and get ${escapeMrkdwn(describeTypes(lost, review.typeNames))} back` : '';
    parts.push(`Until ${shownIn(until, timeZone)}: then they lose ${escapeMrkdwn(describeTypes(gained, review.typeNames))}${back}.`);
  }
  return parts.join(' ');
}

/** One sentence describing the change, e.g. "Move Ada (ada@x) from Learning Core to Learning Pro." */
export function describeChange(review: Pick<ChangeReview, 'learner' | 'before' | 'after' | 'typeNames' | 'request'>): {
  sentence: string;
  consequence: string;
} {
  const who = `*${escapeMrkdwn(review.learner.name)}* (${escapeMrkdwn(review.learner.email)})`;
  const before = escapeMrkdwn(describeTypes(review.before, review.typeNames));
  const after = escapeMrkdwn(describeTypes(review.after, review.typeNames));
  const lost = review.before.filter((t) => !review.after.includes(t));
  const lostNames = escapeMrkdwn(describeTypes(lost, review.typeNames));
  const consequence = lost.length
    ? `They lose access to content on ${lostNames}; prior usage stays on reports.`
    : 'They keep every license they hold now.';
  switch (review.request.change.kind) {
    case 'reassign':
      return { sentence: `Move ${who} from ${before} to ${after}.`, consequence };
    case 'add':
      return {
        sentence: `Give ${who} ${escapeMrkdwn(
          describeTypes(
            review.after.filter((t) => !review.before.includes(t)),
            review.typeNames,
          ),
        )} in addition to ${before}.`,
        consequence,
      };
    case 'revoke':
      return { sentence: `Revoke every license of ${who} (${before}).`, consequence };
  }
}

/** The review message with Confirm and Cancel, posted to the admin after the modal. */
export function buildReviewMessage(review: ChangeReview): Message {
  const { sentence, consequence } = describeChange(review);
  const value = encodeRequestRef(review.request.id);
  const timing = timingSentence(review);
  const full = `${sentence} ${consequence}${timing ? ` ${timing}` : ''}`;
  return {
    text: full.replace(/\*/g, '').replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1'),
    blocks: [
      section(full),
      ...(review.request.reason ? [context(`Reason: ${escapeMrkdwn(review.request.reason)}`)] : []),
      {
        type: 'actions',
        block_id: ids.review.actionsBlock,
        elements: [
          button(ids.review.confirm, review.request.applyAt ? 'Schedule' : 'Confirm', value, 'primary'),
          button(ids.review.cancel, 'Cancel', value),
        ],
      },
    ],
  };
}

/** Replaces the review message once a change with "apply at" is scheduled. */
export function buildScheduledMessage(review: ChangeReview | null, requestId: string, actorId: string, at: Date): Message {
  const what = review ? describeChange(review).sentence : 'The change';
  const timing = review ? timingSentence(review) : '';
  return {
    text: `Scheduled: ${what}`.replace(/\*/g, ''),
    blocks: [
      section(`:calendar: Scheduled: ${what}${timing ? ` ${timing}` : ''}`),
      context(
        `Scheduled by <@${actorId}> ${slackDate(at)}. Seats are checked again when it runs; \`/license jobs\` lists it with Cancel. Job ${requestId}`,
      ),
    ],
  };
}

/** Replaces the review message once the change is applied or has failed. */
export function buildOutcomeMessage(
  outcome: Exclude<ConfirmOutcome, { kind: 'already_done' }>,
  actorId: string,
  at: Date,
  options: { undo?: boolean } = {},
): Message {
  if (outcome.kind === 'applied') {
    const { sentence } = describeChange(outcome.review);
    const done = sentence
      .replace(/^Move /, 'Moved ')
      .replace(/^Give /, 'Gave ')
      .replace(/^Revoke /, 'Revoked ');
    const timing = timingSentence(outcome.review, { applied: true });
    return {
      text: `Done: ${done}`.replace(/\*/g, ''),
      blocks: [
        section(`:white_check_mark: ${done}${timing ? ` ${timing}` : ''}`),
        context(`Confirmed by <@${actorId}> ${slackDate(at)}. Prior usage stays on reports.`),
        ...(options.undo
          ? [
              {
                type: 'actions' as const,
                block_id: ids.undo.singleActionsBlock,
                elements: [button(ids.undo.single, 'Undo', encodeRequestRef(outcome.review.request.id))],
              },
            ]
          : []),
      ],
    };
  }
  const why = errorMessages[outcome.code];
  const what = outcome.review ? describeChange(outcome.review).sentence : 'The change';
  return {
    text: `Not changed: ${why}`,
    blocks: [section(`:x: Nothing was changed. ${escapeMrkdwn(why)}`), context(`Requested: ${what}`)],
  };
}

/** Replaces the review message when Cancel is clicked. */
export function buildCancelledMessage(actorId: string, at: Date): Message {
  return {
    text: 'Change cancelled; nothing was changed.',
    blocks: [section(`:no_entry_sign: Cancelled by <@${actorId}> ${slackDate(at)}. Nothing was changed.`)],
  };
}

/** The answer to a click on a review that was already handled. */
export function buildAlreadyHandledMessage(request: ChangeRequest): Message {
  const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
  const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
  const what: Record<ChangeRequest['status'], string> = {
    pending: 'is still waiting',
    confirmed: 'is being applied right now',
    applied: 'was already applied',
    failed: 'was already tried and failed',
    cancelled: 'was already cancelled',
    scheduled: 'was already scheduled (see `/license jobs`)',
  };
  const sentence = `This change ${what[request.status]}${by}${when}. Nothing more was done.`;
  return { text: sentence.replace(/<[^>]+>/g, ''), blocks: [section(`:information_source: ${sentence}`)] };
}

/** Told (in the channel) when the review message could not be sent to the admin's DM. */
export function buildReviewUndeliveredNotice(): Message {
  const sentence = 'I could not send you the review message with Confirm and Cancel, so nothing was changed. Please try again in a minute.';
  return { text: sentence, blocks: [section(`:warning: ${sentence}`)] };
}

/** Replaces the outcome message once the change was undone (or says why it was not). */
export function buildSingleUndoneMessage(
  result: { kind: 'undone' | 'already_undone' } | { kind: 'failed'; sentence: string },
  actorId: string,
  at: Date,
): Message {
  if (result.kind === 'failed')
    return { text: `Not undone: ${result.sentence}`, blocks: [section(`:x: Not undone. ${escapeMrkdwn(result.sentence)}`)] };
  const sentence =
    result.kind === 'undone'
      ? `Undone by <@${actorId}> ${slackDate(at)}: the learner is back to what they held before.`
      : 'This change was already undone.';
  return { text: sentence.replace(/<[^>]+>/g, ''), blocks: [section(`:leftwards_arrow_with_hook: ${sentence}`)] };
}

/** Told to an admin who clicked Confirm or Cancel on another admin's review. */
export function buildNotReviewOwnerMessage(ownerId: string): Message {
  const sentence = `This change was started by <@${ownerId}>; only they can confirm or cancel it. Nothing was done.`;
  return { text: sentence.replace(/<@([A-Z0-9]+)>/g, '$1'), blocks: [section(`:information_source: ${sentence}`)] };
}
