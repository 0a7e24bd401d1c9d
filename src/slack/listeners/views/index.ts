import type { App, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { handleBulkFilterSubmission } from './bulk-filter-submission.js';
import { handleBulkPreviewSubmission } from './bulk-preview-submission.js';
import { handleBulkRejectSubmission } from './bulk-reject-submission.js';
import { handleChangeSubmission } from './change-submission.js';
import { handleExtendSubmission } from './extend-submission.js';
import { handleLicenseRequestSubmission } from './license-request-submission.js';
import { handleUsageSubmission } from './usage-submission.js';

/** Registers every modal submission. */
export function register(app: App, deps: SlackDeps): void {
  const view = (callbackId: string, handler: ReturnType<typeof handleChangeSubmission>) =>
    app.view<ViewSubmitAction>({ callback_id: callbackId, type: 'view_submission' }, handler);
  view(ids.changeModal.callback, handleChangeSubmission(deps));
  view(ids.bulkModal.callback, handleBulkFilterSubmission(deps));
  view(ids.bulkPreview.callback, handleBulkPreviewSubmission(deps));
  view(ids.bulkReject.callback, handleBulkRejectSubmission(deps));
  view(ids.extendModal.callback, handleExtendSubmission(deps));
  view(ids.requestModal.callback, handleLicenseRequestSubmission(deps));
  view(ids.usageModal.callback, handleUsageSubmission(deps));
}
