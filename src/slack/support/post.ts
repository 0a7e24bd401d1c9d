import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../licensing/bulk/ports.js';
import type { Logger } from '../../logger.js';
import type { Message } from '../views/blocks.js';

/**
 * Posts to a channel, falling back to the user's DM with the app when the bot cannot post
 * there (a private channel it is not in, a DM between people).
 */
export async function postToChannelOrUser(
  client: webApi.WebClient,
  channelId: string | undefined,
  userId: string,
  message: Message,
): Promise<MessageRef> {
  if (channelId) {
    try {
      const res = await client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks });
      if (res.ts && res.channel) return { channel: res.channel, ts: res.ts };
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (!code || !['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot'].includes(code))
        throw error;
    }
  }
  const res = await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
  return { channel: res.channel ?? userId, ts: res.ts ?? '' };
}

/**
 * Replies in a message's thread (the approval message: decisions, expiries, job outcomes), so the
 * channel keeps the record under the request. Nothing when there is no such message.
 */
export async function replyInThread(client: webApi.WebClient, parent: MessageRef | undefined, message: Message): Promise<void> {
  if (!parent?.ts) return;
  await client.chat.postMessage({ channel: parent.channel, thread_ts: parent.ts, text: message.text, blocks: message.blocks });
}

/** Tells a user something in their DM with the app and says where it went; failures are the caller's to log. */
export async function tellUser(client: webApi.WebClient, userId: string, message: Message): Promise<MessageRef | undefined> {
  const res = await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
  return res.channel && res.ts ? { channel: res.channel, ts: res.ts } : undefined;
}

/**
 * For when something failed after the ack and the user must still hear of it: their DM first,
 * then an ephemeral message in the channel they were in. Never throws; if both fail (Slack
 * itself is down), the failure is logged.
 */
export async function tellUserSomehow(
  client: webApi.WebClient,
  target: { userId: string; channelId?: string },
  message: Message,
  logger: Logger,
  context: Record<string, unknown>,
): Promise<void> {
  try {
    await tellUser(client, target.userId, message);
    return;
  } catch (error) {
    if (!target.channelId) {
      logger.error('could not tell the user what happened', { ...context, user: target.userId, error });
      return;
    }
  }
  try {
    await client.chat.postEphemeral({ channel: target.channelId, user: target.userId, text: message.text, blocks: message.blocks });
  } catch (error) {
    logger.error('could not tell the user what happened', { ...context, user: target.userId, error });
  }
}
