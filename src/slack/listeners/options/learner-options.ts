import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { isAdmin } from '../../../licensing/admins.js';
import { searchLearners } from '../../../licensing/single/directory.js';
import type { SlackDeps } from '../../deps.js';
import { buildLearnerOptions } from '../../views/change-modal.js';

/** Typeahead of the learner picker: prefix search over names and emails, admins only. */
export function handleLearnerOptions(deps: SlackDeps) {
  return async ({ options, ack }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs) => {
    try {
      const query = typeof options.value === 'string' ? options.value.slice(0, 100) : '';
      if (!(await isAdmin(deps.services, options.user.id))) {
        await ack({ options: [] });
        return;
      }
      await ack(buildLearnerOptions(await searchLearners(deps.services, query, 20)));
    } catch (error) {
      deps.logger.error('learner search failed', { error, user: options.user.id });
      await ack({ options: [] });
    }
  };
}
