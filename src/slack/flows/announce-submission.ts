import type { webApi } from '@slack/bolt';
import type { BulkSubmission } from '../../licensing/bulk/requests.js';
import type { SlackDeps } from '../deps.js';
import { tellUserSomehow } from '../support/post.js';
import { buildAnnounceFailedNotice } from '../views/bulk-messages.js';
import { sendForApproval, startBulkJob } from './bulk-flow.js';

/** Sends a stored request (reclaim, undo) for approval or starts its job, as a bulk form's submission does. */
export async function announceSubmission(client: webApi.WebClient, deps: SlackDeps, submission: BulkSubmission): Promise<void> {
  const { request, needsApproval } = submission;
  try {
    if (needsApproval) await sendForApproval(client, deps, request);
    else await startBulkJob(client, deps, request);
  } catch (error) {
    deps.logger.error('could not announce a bulk request', { error, requestId: request.id });
    await tellUserSomehow(
      client,
      { userId: request.requestedBy, ...(request.channelId ? { channelId: request.channelId } : {}) },
      buildAnnounceFailedNotice(request, needsApproval),
      deps.logger,
      { requestId: request.id },
    );
  }
}
