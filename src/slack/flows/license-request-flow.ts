import type { webApi } from '@slack/bolt';
import { listAdmins } from '../../licensing/admins.js';
import { LicenseError } from '../../licensing/errors.js';
import type { LicenseRequest } from '../../licensing/self-service/ports.js';
import { setLicenseRequestMessage } from '../../licensing/self-service/requests.js';
import type { SlackDeps } from '../deps.js';
import { postToChannelOrUser, replyInThread } from '../support/post.js';
import { buildLicenseRequestDecisionReply, buildLicenseRequestMessage } from '../views/license-requests.js';

/** Where learners' requests go: REQUESTS_CHANNEL_ID (or the approval channel), else the first admin's DM. */
export async function requestsDestination(deps: SlackDeps): Promise<{ channelId?: string; adminId: string }> {
  const [first] = await listAdmins(deps.services);
  if (!first && !deps.requestsChannelId) throw new LicenseError('no_one_to_ask');
  return { ...(deps.requestsChannelId ? { channelId: deps.requestsChannelId } : {}), adminId: first?.userId ?? '' };
}

async function render(deps: SlackDeps, request: LicenseRequest) {
  const types = await deps.services.store.listLicenseTypes();
  const names = new Map(types.map((t) => [t.key, t.name]));
  return buildLicenseRequestMessage(request, names, types.find((t) => t.key === request.licenseType) ?? null);
}

/** Posts a new request for the admins with Approve / Deny and remembers the message. */
export async function postLicenseRequest(client: webApi.WebClient, deps: SlackDeps, request: LicenseRequest): Promise<void> {
  const where = await requestsDestination(deps);
  const ref = await postToChannelOrUser(client, where.channelId, where.adminId, await render(deps, request));
  await setLicenseRequestMessage(deps.services, request.id, ref);
}

/** After a decision: the message shows the outcome for everyone, and its thread says who decided and when. */
export async function announceLicenseRequestDecision(client: webApi.WebClient, deps: SlackDeps, request: LicenseRequest): Promise<void> {
  if (!request.message) return;
  const message = await render(deps, request);
  await client.chat.update({ channel: request.message.channel, ts: request.message.ts, text: message.text, blocks: message.blocks });
  await replyInThread(client, request.message, buildLicenseRequestDecisionReply(request));
}
