import type { webApi } from '@slack/bolt';
import type { Actor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import type { Message } from '../../views/blocks.js';

/** What every `/license` subcommand handler gets: who typed it, where, and how to answer. */
export interface CommandContext {
  deps: SlackDeps;
  actor: Actor;
  client: webApi.WebClient;
  triggerId: string;
  /** An ephemeral reply to the person who typed the command. */
  reply(message: Message): Promise<void>;
}
