import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { handleAppHomeOpened } from './app-home-opened.js';
import { handleUsageFileShared } from './usage-file.js';

/** Registers the Events API listeners (`/slack/events`): the Home tab opened, files shared in the bot's DM (usage reports). */
export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', handleAppHomeOpened(deps));
  app.event('message', handleUsageFileShared(deps));
}
