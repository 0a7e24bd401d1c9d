import type { App, BlockAction, ButtonAction, ExternalSelectAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { handleBulkApprove } from './bulk-approve.js';
import { handleBulkCancel } from './bulk-cancel.js';
import { handleBulkInstead } from './bulk-instead.js';
import { handleBulkReject } from './bulk-reject.js';
import { handleExtensionDecision } from './extension-buttons.js';
import { handleGrantAskExtend, handleGrantExtend } from './grant-buttons.js';
import { handleHomeBulk, handleHomeExport, handleHomeReassign } from './home-buttons.js';
import { handleLearnerCardButton } from './learner-card-buttons.js';
import { handleLearnerSelected } from './learner-select.js';
import { handleLicenseRequestApprove, handleLicenseRequestDeny } from './license-request-decision.js';
import { handleReclaimAnswer } from './reclaim-answer.js';
import { handleReclaimStart } from './reclaim-start.js';
import { handleReviewCancel } from './review-cancel.js';
import { handleReviewConfirm } from './review-confirm.js';
import { handleReleaseLicenseButton, handleRequestLicenseButton } from './self-service.js';
import { handleSyncAcceptTheirs, handleSyncPushNow, handleSyncPushOurs, handleSyncRetryDead } from './sync-buttons.js';
import { handleUndoJob, handleUndoSingle } from './undo-buttons.js';

/** Registers every button and select handler. */
export function register(app: App, deps: SlackDeps): void {
  const button = (actionId: string, handler: ReturnType<typeof handleReviewConfirm>) =>
    app.action<BlockAction<ButtonAction>>({ action_id: actionId, type: 'block_actions' }, handler);
  button(ids.review.confirm, handleReviewConfirm(deps));
  button(ids.review.cancel, handleReviewCancel(deps));
  button(ids.card.reassign, handleLearnerCardButton(deps, 'reassign'));
  button(ids.card.add, handleLearnerCardButton(deps, 'add'));
  button(ids.card.revoke, handleLearnerCardButton(deps, 'revoke'));
  button(ids.bulkRequest.approve, handleBulkApprove(deps));
  button(ids.bulkRequest.reject, handleBulkReject(deps));
  button(ids.bulkRequest.cancelJob, handleBulkCancel(deps));
  button(ids.changeModal.bulkInstead, handleBulkInstead(deps));
  button(ids.sync.pushNow, handleSyncPushNow(deps));
  button(ids.sync.retryDead, handleSyncRetryDead(deps));
  button(ids.sync.pushOurs, handleSyncPushOurs(deps));
  button(ids.sync.acceptTheirs, handleSyncAcceptTheirs(deps));
  button(ids.reclaim.start, handleReclaimStart(deps));
  button(ids.reclaim.keep, handleReclaimAnswer(deps, 'keep'));
  button(ids.reclaim.release, handleReclaimAnswer(deps, 'release'));
  button(ids.undo.job, handleUndoJob(deps));
  button(ids.undo.single, handleUndoSingle(deps));
  button(ids.grant.extend, handleGrantExtend(deps));
  button(ids.grant.askExtend, handleGrantAskExtend(deps));
  button(ids.extension.approve, handleExtensionDecision(deps, 'approved'));
  button(ids.extension.reject, handleExtensionDecision(deps, 'rejected'));
  button(ids.home.reassign, handleHomeReassign(deps));
  button(ids.home.bulk, handleHomeBulk(deps));
  button(ids.home.exportLearners, handleHomeExport(deps));
  button(ids.home.requestLicense, handleRequestLicenseButton(deps));
  button(ids.home.releaseLicense, handleReleaseLicenseButton(deps));
  button(ids.licenseRequest.approve, handleLicenseRequestApprove(deps));
  button(ids.licenseRequest.deny, handleLicenseRequestDeny(deps));
  app.action<BlockAction<ExternalSelectAction>>(
    { action_id: ids.changeModal.learnerSelect, type: 'block_actions' },
    handleLearnerSelected(deps),
  );
}
