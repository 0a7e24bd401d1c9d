import { requireAdmin } from '../../../licensing/admins.js';
import { slackActor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import { parseChangeModalMetadata } from '../../parsers/payloads.js';
import { buildBulkModal } from '../../views/bulk-modal.js';
import type { ButtonArgs } from './button-args.js';

/** "Change many learners instead" in the reassign modal switches it to the bulk form. */
export function handleBulkInstead(deps: SlackDeps) {
  return async ({ ack, body, client }: ButtonArgs) => {
    await ack();
    const view = body.view;
    if (!view) return;
    try {
      await requireAdmin(deps.services, slackActor(body.user.id), 'bulk.open');
      const [types, groups] = await Promise.all([deps.services.store.listLicenseTypes(), deps.services.store.listGroups(100)]);
      const metadata = parseChangeModalMetadata(view.private_metadata);
      const channelId = metadata?.channelId;
      const timeZone = metadata?.timeZone;
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: buildBulkModal({ ...(channelId ? { channelId } : {}), ...(timeZone ? { timeZone } : {}), types, groups }),
      });
    } catch (error) {
      deps.logger.warn('could not switch to the bulk form', { error, user: body.user.id });
    }
  };
}
