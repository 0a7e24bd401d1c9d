import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import { describeTypes } from '../../licensing/model.js';
import type { NoticeContent } from '../../licensing/notices/ports.js';
import { context, escapeMrkdwn, type KnownBlock, type Message, section, slackDate } from './blocks.js';
import { buildGrantNotice } from './grants.js';
import { buildReclaimAskMessage } from './reclaim.js';

const bold = (keys: readonly string[], names: ReadonlyMap<string, string>) =>
  keys.map((key) => `*${escapeMrkdwn(names.get(key) ?? key)}*`).join(' + ');

/**
 * A DM from the notice queue, rendered when it is sent (license type names as they are then): to
 * learners, and to admins about the grants they gave. Buttons in it are handled like any other
 * action (slack/listeners/actions/).
 */
export function buildLearnerNotice(notice: NoticeContent, names: ReadonlyMap<string, string>): Message {
  switch (notice.kind) {
    case 'license_changed':
      return licenseChanged(notice, names);
    case 'license_request_decided':
      return requestDecided(notice, names);
    case 'grant_ending':
    case 'grant_ended_without_return':
      return buildGrantNotice(notice, names);
    case 'reclaim_ask':
      return buildReclaimAskMessage(notice, names);
  }
}

function licenseChanged(notice: Extract<NoticeContent, { kind: 'license_changed' }>, names: ReadonlyMap<string, string>): Message {
  const lost = notice.before.filter((type) => !notice.after.includes(type));
  const now = notice.after.length ? `You now have ${bold(notice.after, names)}.` : 'You now have no learning license.';
  const lines = [':mortar_board: *Your learning licenses changed*', now];
  if (lost.length) lines.push(`You no longer have access to content of ${bold(lost, names)}.`);
  lines.push('Everything you learned so far stays on your reports.');
  const blocks: KnownBlock[] = [section(lines.join('\n'))];
  if (notice.reason.trim()) blocks.push(section(`*Reason:* ${escapeMrkdwn(notice.reason)}`));
  blocks.push(context(`Changed by <@${notice.changedBy}> ${slackDate(notice.at)}. Questions? Ask <@${notice.changedBy}>.`));
  const text = [
    'Your learning licenses changed.',
    notice.after.length ? `You now have ${describeTypes(notice.after, names)}.` : 'You now have no learning license.',
    lost.length ? `You no longer have access to content of ${describeTypes(lost, names)}.` : '',
    'Everything you learned so far stays on your reports.',
  ]
    .filter(Boolean)
    .join(' ');
  return { text, blocks };
}

function requestDecided(notice: Extract<NoticeContent, { kind: 'license_request_decided' }>, names: ReadonlyMap<string, string>): Message {
  const type = bold([notice.licenseType], names);
  const typeText = describeTypes([notice.licenseType], names);
  const by = `<@${notice.decidedBy}>`;
  switch (notice.outcome) {
    case 'approved': {
      const holds = notice.licenses.length ? ` You now have ${bold(notice.licenses, names)}.` : '';
      return {
        text: `Your request for ${typeText} was approved.`,
        blocks: [section(`:white_check_mark: Your request for ${type} was approved by ${by}.${holds}`)],
      };
    }
    case 'denied': {
      const why = notice.reason ? `: “${escapeMrkdwn(notice.reason)}”` : '.';
      return {
        text: `Your request for ${typeText} was denied.`,
        blocks: [section(`:x: Your request for ${type} was denied by ${by}${why}`), context(`Questions? Ask ${by}.`)],
      };
    }
    case 'failed': {
      const code = notice.reason ?? '';
      const sentence = code in errorMessages ? errorMessages[code as ErrorCode] : 'It could not be applied.';
      return {
        text: `Your request for ${typeText} could not be applied.`,
        blocks: [
          section(`:warning: Your request for ${type} could not be applied: ${escapeMrkdwn(sentence)}`),
          context(`Questions? Ask ${by}.`),
        ],
      };
    }
  }
}
