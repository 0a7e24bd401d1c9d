import type { BulkDeps, BulkRequest } from './bulk-ports.js';
import type { Actor } from './deps.js';
import { LicenseError } from './errors.js';
import { decisionBlocker } from './leads.js';

/**
 * Checks, before asking a lead for a rejection reason, that they may decide the request at all;
 * a refusal is audited like any other.
 */
export async function requireDecider(deps: BulkDeps, actor: Actor, requestId: string): Promise<BulkRequest> {
  const request = await deps.bulk.getBulkRequest(requestId);
  const blocker = request ? await decisionBlocker(deps, actor.userId, request) : 'bulk_request_not_found';
  if (!blocker && request) return request;
  await deps.store.recordAudit([
    {
      at: deps.now(),
      actor: actor.userId,
      action: 'bulk.reject',
      outcome: 'refused',
      code: blocker ?? 'bulk_request_not_found',
      ...(actor.channelId ? { channelId: actor.channelId } : {}),
      source: 'slack',
      details: { requestId },
    },
  ]);
  throw new LicenseError(blocker ?? 'bulk_request_not_found');
}
