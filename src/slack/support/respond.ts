import { LicenseError } from '../../licensing/errors.js';
import type { Logger } from '../../logger.js';
import { buildErrorMessage } from '../views/blocks.js';

/** The sentence a user sees for an error; unexpected errors are logged with context. */
export function userSentence(error: unknown, logger: Logger, context: Record<string, unknown>): string {
  if (error instanceof LicenseError) return error.message;
  logger.error('unexpected error in a Slack handler', { ...context, error });
  return 'Something went wrong on our side and the request could not be completed. Please try again; if it keeps failing, tell your Slack admin.';
}

type Respond = (message: {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}) => Promise<unknown>;

/** Tells the user what went wrong as an ephemeral reply, without touching the original message. */
export async function respondWithError(respond: Respond, error: unknown, logger: Logger, context: Record<string, unknown>): Promise<void> {
  const message = buildErrorMessage(userSentence(error, logger, context));
  await respond({ response_type: 'ephemeral', replace_original: false, ...message }).catch((cause: unknown) =>
    logger.warn('could not tell the user about an error', { ...context, cause }),
  );
}

/**
 * True the first time a key is seen (of the last `size`). Replies through a `response_url` are
 * capped at five per URL and a replayed click carries the same URL: one reply per URL is enough.
 */
export function firstTimeOf(size = 1_000): (key: string) => boolean {
  const seen = new Set<string>();
  return (key) => {
    if (seen.has(key)) return false;
    seen.add(key);
    if (seen.size > size) seen.delete(seen.values().next().value as string);
    return true;
  };
}
