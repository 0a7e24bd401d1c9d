import type { webApi } from '@slack/bolt';
import { bulkChangedLearners } from '../../licensing/bulk/runner.js';
import type { ExtensionRequest, GrantTarget } from '../../licensing/schedule/ports.js';
import type { SlackDeps } from '../deps.js';
import { postToChannelOrUser } from '../support/post.js';
import { buildExtensionMessage } from '../views/grants.js';

/** Who an extension is about, for its message: the learner, or how many learners. */
export async function extensionLabel(deps: SlackDeps, request: ExtensionRequest): Promise<string> {
  if ('requestId' in request.target) return `${request.learners} learners`;
  const grant = await deps.services.grants.getGrant(request.target.grantId);
  const learner = grant ? await deps.services.store.findLearnerById(grant.learnerId) : null;
  return learner ? `${learner.name} (${learner.email})` : (grant?.email ?? 'a learner');
}

/**
 * Grants moved: admins' Homes list what ends soon, and a learner's Home shows their own end. A bulk
 * request's grants are the learners its job changed, walked a batch at a time in the background.
 */
export async function extendedGrantsChanged(deps: SlackDeps, target: GrantTarget): Promise<void> {
  deps.homes.staffChanged();
  if ('requestId' in target) {
    deps.homes.learnerBatchesChanged(bulkChangedLearners(deps.services, target.requestId));
    return;
  }
  const grant = await deps.services.grants.getGrant(target.grantId).catch(() => null);
  if (grant) deps.homes.learnersChanged([grant.email]);
}

/** Posts an extension past MAX_GRANT_DAYS where bulk approvals go, and remembers the message. */
export async function sendExtensionForApproval(
  client: webApi.WebClient,
  deps: SlackDeps,
  request: ExtensionRequest,
  channelId?: string,
): Promise<string> {
  const ref = await postToChannelOrUser(
    client,
    deps.approvalChannelId ?? channelId,
    request.requestedBy,
    buildExtensionMessage(request, await extensionLabel(deps, request)),
  );
  await deps.services.extensions.setExtensionMessage(request.id, ref);
  return ref.channel;
}

/** Re-renders the extension message after a decision. */
export async function refreshExtensionMessage(client: webApi.WebClient, deps: SlackDeps, request: ExtensionRequest): Promise<void> {
  if (!request.approvalMessage) return;
  const message = buildExtensionMessage(request, await extensionLabel(deps, request));
  await client.chat.update({
    channel: request.approvalMessage.channel,
    ts: request.approvalMessage.ts,
    text: message.text,
    blocks: message.blocks,
  });
}
