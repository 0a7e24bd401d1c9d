import type { BlockAction, webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { buildErrorMessage, type Message } from '../views/blocks.js';
import { tellUser } from './post.js';
import { userSentence } from './respond.js';

type Respond = (message: { response_type?: 'ephemeral'; replace_original?: boolean; text: string; blocks?: unknown[] }) => Promise<unknown>;

/** What a button listener has to answer the clicker with. */
export interface ClickContext {
  body: Pick<BlockAction, 'user' | 'response_url'>;
  respond?: Respond;
  client: webApi.WebClient;
}

/**
 * Answers whoever clicked: an ephemeral reply beside the message they clicked in, or a DM when
 * they clicked on their App Home (which has no response_url and no channel to answer in).
 */
export async function replyToClicker(ctx: ClickContext, message: Message): Promise<void> {
  if (ctx.body.response_url && ctx.respond) {
    await ctx.respond({ response_type: 'ephemeral', replace_original: false, ...message });
    return;
  }
  await tellUser(ctx.client, ctx.body.user.id, message);
}

/** The error as a plain sentence to the clicker, wherever they clicked; never throws. */
export async function replyWithError(ctx: ClickContext, error: unknown, logger: Logger, context: Record<string, unknown>): Promise<void> {
  await replyToClicker(ctx, buildErrorMessage(userSentence(error, logger, context))).catch((cause: unknown) =>
    logger.warn('could not tell the user about an error', { ...context, cause }),
  );
}
