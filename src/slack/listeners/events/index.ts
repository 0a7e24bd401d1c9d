import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { handleAppHomeOpened } from './app-home-opened.js';

/** Registers the Events API listeners (`/slack/events`). */
export function register(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', handleAppHomeOpened(deps));
}
