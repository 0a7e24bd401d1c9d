import type { AllMiddlewareArgs, BlockAction, ExternalSelectAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isAdmin } from '../../../licensing/admins.js';
import type { SlackDeps } from '../../deps.js';
import { parseChangeModalMetadata, parseLearnerOptionValue } from '../../parsers/payloads.js';
import { buildChangeModal } from '../../views/change-modal.js';

/** A learner picked in the modal: show their current licenses (and which to replace). */
export function handleLearnerSelected(deps: SlackDeps) {
  return async ({ ack, body, action, client }: SlackActionMiddlewareArgs<BlockAction<ExternalSelectAction>> & AllMiddlewareArgs) => {
    await ack();
    const view = body.view;
    const metadata = parseChangeModalMetadata(view?.private_metadata);
    const learnerId = parseLearnerOptionValue(action.selected_option?.value);
    if (!view || !metadata || !learnerId || !(await isAdmin(deps.services, body.user.id))) return;
    try {
      const [learner, types] = await Promise.all([deps.services.store.findLearnerById(learnerId), deps.services.store.listLicenseTypes()]);
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: buildChangeModal({ metadata: { ...metadata, ...(learner ? { learnerId: learner.id } : {}) }, learner, types }),
      });
    } catch (error) {
      // A hash conflict means the user changed the modal meanwhile; the submission re-checks all.
      deps.logger.warn('could not update the change modal', { error, user: body.user.id });
    }
  };
}
