import type { AllMiddlewareArgs, App, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { isAdmin } from '../../../licensing/admins.js';
import { searchLearners } from '../../../licensing/directory.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { buildLearnerOptions } from '../../views/change-modal.js';

/** Typeahead of the learner picker: prefix search over names and emails, admins only. */
export function handleLearnerOptions(deps: SlackDeps) {
  return async ({ options, ack }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs) => {
    try {
      const query = typeof options.value === 'string' ? options.value.slice(0, 100) : '';
      if (!(await isAdmin(deps.licensing, options.user.id))) {
        await ack({ options: [] });
        return;
      }
      await ack(buildLearnerOptions(await searchLearners(deps.licensing, query, 20)));
    } catch (error) {
      deps.logger.error('learner search failed', { error, user: options.user.id });
      await ack({ options: [] });
    }
  };
}

/** Registers the learner typeahead. */
export function register(app: App, deps: SlackDeps): void {
  app.options({ action_id: ids.changeModal.learnerSelect }, handleLearnerOptions(deps));
  app.options({ action_id: ids.bulkPreview.excludeSelect }, handleLearnerOptions(deps));
}
