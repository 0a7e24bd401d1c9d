import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { isAdmin } from '../../../licensing/admins.js';
import { isLicenseError } from '../../../licensing/errors.js';
import type { Learner } from '../../../licensing/model.js';
import { searchLearners } from '../../../licensing/single/directory.js';
import type { SlackDeps } from '../../deps.js';
import { ACK_BUDGET_MS } from '../../support/ack-budget.js';
import { buildLearnerOptions, buildUnavailableOptions } from '../../views/change-modal.js';

/**
 * Typeahead of the learner picker: prefix search over names and emails, admins only. It always
 * answers within Slack's three seconds: a database that is down fails at once (the admin check is
 * cached, the query refused by the driver), and a search that takes too long is answered with a
 * sentence instead of never.
 */
export function handleLearnerOptions(deps: SlackDeps) {
  return async ({ options, ack }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const query = typeof options.value === 'string' ? options.value.slice(0, 100) : '';
      const search = (async (): Promise<Learner[]> =>
        (await isAdmin(deps.services, options.user.id)) ? searchLearners(deps.services, query, 20) : [])();
      const late = new Promise<'too_slow'>((resolve) => {
        timer = setTimeout(() => resolve('too_slow'), ACK_BUDGET_MS);
      });
      const answer = await Promise.race([search, late]);
      if (answer === 'too_slow') {
        search.catch(() => undefined);
        deps.logger.warn('learner search took too long to answer in time', { user: options.user.id });
        await ack(buildUnavailableOptions('too_slow'));
        return;
      }
      await ack(buildLearnerOptions(answer));
    } catch (error) {
      if (isLicenseError(error, 'database_unavailable')) {
        await ack(buildUnavailableOptions('database_down'));
        return;
      }
      deps.logger.error('learner search failed', { error, user: options.user.id });
      await ack({ options: [] });
    } finally {
      clearTimeout(timer);
    }
  };
}
