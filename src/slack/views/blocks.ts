import type { types } from '@slack/bolt';

export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type PlainTextOption = types.PlainTextOption;

/** Escapes text for mrkdwn so names and reasons cannot inject formatting or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to Slack's limit for a field, with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A plain-text option (labels are capped at Slack's 75 characters). */
export function option(label: string, value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: truncate(label, 75), emoji: true }, value };
}

/** A section of mrkdwn text. */
export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}

/** A context line. */
export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, 3000) }] };
}

/** A Slack date token that each reader sees in their own time zone. */
export function slackDate(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString()}>`;
}

/** A message for an error, as an ephemeral reply. */
export function buildErrorMessage(sentence: string): { text: string; blocks: KnownBlock[] } {
  return { text: sentence, blocks: [section(`:warning: ${escapeMrkdwn(sentence)}`)] };
}
