import type { webApi } from '@slack/bolt';
import type { BulkRequest } from '../../licensing/bulk/ports.js';
import { setBulkApprovalMessage, setBulkProgressMessage } from '../../licensing/bulk/requests.js';
import { bulkProgressCounts } from '../../licensing/bulk/runner.js';
import type { SlackDeps } from '../deps.js';
import { postToChannelOrUser, tellUser } from '../support/post.js';
import { buildNotice } from '../views/blocks.js';
import { buildApprovalMessage, buildProgressMessage } from '../views/bulk-messages.js';

/** License type names and the target type of a request, for rendering. */
export async function renderContext(deps: SlackDeps, request: BulkRequest) {
  const types = await deps.services.store.listLicenseTypes();
  const names = new Map(types.map((t) => [t.key, t.name]));
  const change = request.change;
  const target = change.kind === 'revoke' ? null : (types.find((t) => t.key === change.to) ?? null);
  return { names, target };
}

/** Posts the approval request for the leads and remembers it, then tells the requester. */
export async function sendForApproval(client: webApi.WebClient, deps: SlackDeps, request: BulkRequest): Promise<void> {
  const { names, target } = await renderContext(deps, request);
  const ref = await postToChannelOrUser(
    client,
    deps.approvalChannelId ?? request.channelId,
    request.requestedBy,
    buildApprovalMessage(request, names, target),
  );
  await setBulkApprovalMessage(deps.services, request.id, ref);
  const where = ref.channel.startsWith('C') || ref.channel.startsWith('G') ? ` in <#${ref.channel}>` : '';
  await tellUser(
    client,
    request.requestedBy,
    buildNotice(
      `Your bulk change of ${request.preview.toChange.toLocaleString('en-US')} learners was sent to the team leads for approval${where}. You will hear about the decision here.`,
    ),
  );
}

/**
 * Posts the progress message where the request was made, then queues the job (at its "apply at"
 * when scheduled: the message then says so and keeps Cancel until it starts).
 */
export async function startBulkJob(client: webApi.WebClient, deps: SlackDeps, request: BulkRequest): Promise<void> {
  const { names } = await renderContext(deps, request);
  try {
    const ref = await postToChannelOrUser(
      client,
      request.channelId,
      request.requestedBy,
      buildProgressMessage(request, bulkProgressCounts(request), names),
    );
    await setBulkProgressMessage(deps.services, request.id, ref);
  } catch (error) {
    // No progress message is no reason not to apply an approved change.
    deps.logger.warn('could not post the bulk progress message', { requestId: request.id, error });
  }
  await deps.scheduleBulkJob(request.id, request.applyAt);
}

/** Re-renders the approval message after a decision, for everyone in the channel (and its escalated copies). */
export async function refreshApprovalMessage(client: webApi.WebClient, deps: SlackDeps, request: BulkRequest): Promise<void> {
  const refs = [...(request.approvalMessage ? [request.approvalMessage] : []), ...(request.escalationMessages ?? [])];
  if (!refs.length) return;
  const { names, target } = await renderContext(deps, request);
  const message = buildApprovalMessage(request, names, target);
  for (const ref of refs) await client.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
}
