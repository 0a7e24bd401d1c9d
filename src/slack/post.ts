import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../licensing/bulk-ports.js';
import type { KnownBlock } from './views/blocks.js';

/**
 * Posts to a channel, falling back to the user's DM with the app when the bot cannot post
 * there (a private channel it is not in, a DM between people).
 */
export async function postToChannelOrUser(
  client: webApi.WebClient,
  channelId: string | undefined,
  userId: string,
  message: { text: string; blocks: KnownBlock[] },
): Promise<MessageRef> {
  if (channelId) {
    try {
      const res = await client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks });
      if (res.ts && res.channel) return { channel: res.channel, ts: res.ts };
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (!code || !['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot'].includes(code)) throw error;
    }
  }
  const res = await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
  return { channel: res.channel ?? userId, ts: res.ts ?? '' };
}

/** Tells a user something in their DM with the app; failures are the caller's to log. */
export async function tellUser(client: webApi.WebClient, userId: string, message: { text: string; blocks: KnownBlock[] }): Promise<void> {
  await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
}
