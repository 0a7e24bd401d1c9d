import type { types } from '@slack/bolt';
import { ids } from '../ids.js';

export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type PlainTextOption = types.PlainTextOption;
export type Button = types.Button;
export type PlainTextElement = types.PlainTextElement;

/** A message as the builders return it: fallback text (notifications, screen readers) and blocks. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}

// Slack's mrkdwn has no escape for its formatting markers, only entities for & < >. A marker
// between two letters or digits never formats (snake_case, john_doe@example.com), so those stay
// as typed; any other becomes a look-alike that Slack shows but does not interpret.
const LOOK_ALIKE: Record<string, string> = { '*': '\u2217', _: '\u02CD', '~': '\u223C', '`': '\u02CB' };
const FORMATTING_MARKER = /(?<![\p{L}\p{N}])[*_~`]|[*_~`](?![\p{L}\p{N}])/gu;

/**
 * The one escape for text people typed or imported (names, emails, reasons, group and type names,
 * the platform's messages) wherever it goes into mrkdwn, blocks and notification `text` alike:
 * no mention (`<!channel>`, `<@U…>`), no disguised link, no bold or code can be injected.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(FORMATTING_MARKER, (marker) => LOOK_ALIKE[marker] ?? marker);
}

/** Cuts text to Slack's limit for a field, with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A plain-text object (Slack caps most of them at 75 or 150 characters; callers pass `max`). */
export function plainText(text: string, max = 3000): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** A plain-text option (labels are capped at Slack's 75 characters). */
export function option(label: string, value: string): PlainTextOption {
  return { text: plainText(label, 75), value };
}

/** A section of mrkdwn text. */
export function section(text: string, blockId?: string): KnownBlock {
  return { type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}

/** A section of mrkdwn text with a button beside it (one per line of a list: block ids unique per message). */
export function sectionWithButton(text: string, blockId: string, accessory: Button): KnownBlock {
  return { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: truncate(text, 3000) }, accessory };
}

/** A context line. */
export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] };
}

/** A button carrying a small JSON value (an id, from an encoder in parsers/), never the entity. */
export function button(actionId: string, label: string, value?: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plainText(label, 75),
    ...(value !== undefined ? { value } : {}),
    ...(style ? { style } : {}),
  };
}

/** The Approve / Reject pair of a bulk request, in its own actions block. */
export function approvalButtons(blockId: string, value: string): KnownBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [button(ids.bulkRequest.approve, 'Approve', value, 'primary'), button(ids.bulkRequest.reject, 'Reject', value, 'danger')],
  };
}

/** A Slack date token that each reader sees in their own time zone. */
export function slackDate(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/**
 * The fallback text of a mrkdwn sentence (notifications, screen readers): without a leading
 * emoji, with user ids for mentions and ISO times for date tokens.
 */
export function fallbackText(mrkdwn: string): string {
  return mrkdwn
    .replace(/^:[a-z0-9_+-]+: /, '')
    .replace(/<@([A-Z0-9]+)>/g, '$1')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1');
}

/** A one-line message; `sentence` is mrkdwn the caller has escaped. */
export function buildNotice(sentence: string): Message {
  return { text: sentence.replace(/<@([A-Z0-9]+)>/g, '$1'), blocks: [section(sentence)] };
}

/** A message for an error, as an ephemeral reply. */
export function buildErrorMessage(sentence: string): Message {
  const escaped = escapeMrkdwn(sentence);
  return { text: escaped, blocks: [section(`:warning: ${escaped}`)] };
}
