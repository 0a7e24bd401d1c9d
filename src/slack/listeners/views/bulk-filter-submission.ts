import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { requireAdmin } from '../../../licensing/admins.js';
import { saveBulkDraft } from '../../../licensing/bulk/drafts.js';
import { normalizeSelection, previewBulkChange } from '../../../licensing/bulk/selection.js';
import { LicenseError } from '../../../licensing/errors.js';
import { slackActor } from '../../../licensing/model.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseBulkModalMetadata, readBulkModalState } from '../../parsers/bulk.js';
import { readTiming, timingErrorBlock } from '../../parsers/timing.js';
import { withinAckBudget } from '../../support/ack-budget.js';
import { userSentence } from '../../support/respond.js';
import { buildBulkPreviewModal } from '../../views/bulk-modal.js';
import { errorsFor } from './view-errors.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Step 1 submitted: counts the selection and shows the preview in the same modal. */
export function handleBulkFilterSubmission(deps: SlackDeps) {
  return async ({ ack, body, view }: ViewArgs) => {
    const b = ids.bulkModal;
    const metadata = parseBulkModalMetadata(view.private_metadata);
    const form = readBulkModalState(view.state.values);
    if (!metadata) {
      await ack({
        response_action: 'errors',
        errors: errorsFor(view, { [b.reasonBlock]: 'This form is out of date. Close it and run /license bulk again.' }, b.reasonBlock),
      });
      return;
    }
    const { timing, errors: timingErrors } = metadata.timeZone
      ? readTiming(view.state.values, metadata.timeZone)
      : { timing: {}, errors: {} };
    if (!form.ok || Object.keys(timingErrors).length) {
      await ack({
        response_action: 'errors',
        errors: errorsFor(view, { ...(form.ok ? {} : form.errors), ...timingErrors }, b.reasonBlock),
      });
      return;
    }
    const actor = slackActor(body.user.id, metadata.channelId);
    try {
      const { preview, draft, names } = await withinAckBudget(
        (async () => {
          await requireAdmin(deps.services, actor, 'bulk.preview');
          const [preview, types] = await Promise.all([
            previewBulkChange(deps.services, normalizeSelection(form.selection), form.change),
            deps.services.store.listLicenseTypes(),
          ]);
          const draft = await saveBulkDraft(deps.services, actor, { ...form, timing });
          return { preview, draft, names: new Map(types.map((t) => [t.key, t.name])) };
        })(),
      );
      await ack({
        response_action: 'update',
        view: buildBulkPreviewModal({ draft, preview, typeNames: names, threshold: deps.services.bulkApprovalThreshold }),
      });
    } catch (error) {
      const sentence = userSentence(error, deps.logger, { view: b.callback, user: actor.userId });
      const block =
        error instanceof LicenseError
          ? error.code === 'unknown_license_type'
            ? b.targetBlock
            : (timingErrorBlock(error.code) ?? b.reasonBlock)
          : b.reasonBlock;
      await ack({ response_action: 'errors', errors: errorsFor(view, { [block]: sentence }, b.reasonBlock) });
    }
  };
}
