import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { parseAppHomeOpened } from '../../parsers/events.js';

/** The Home tab was opened: its view is rebuilt for the viewer's roles and published (Bolt has acked already). */
export function handleAppHomeOpened(deps: SlackDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    const opened = parseAppHomeOpened(event);
    // The Messages tab has no view of ours to publish.
    if (!opened || (opened.tab && opened.tab !== 'home')) return;
    try {
      await deps.homes.opened(opened.user);
    } catch (error) {
      deps.logger.warn('could not open the App Home', { user: opened.user, error });
    }
  };
}
