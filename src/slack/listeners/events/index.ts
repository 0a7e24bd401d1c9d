import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { handleUsageFileShared } from './usage-file.js';

/** Registers the events the app listens to: files shared in its DM (usage reports). */
export function register(app: App, deps: SlackDeps): void {
  app.event('message', handleUsageFileShared(deps));
}
