import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { Actor } from '../model.js';
import type { DriftReport, SyncCounts, SyncDeps, SyncState, SyncTargetKind } from './ports.js';

/** What `/license sync` shows. */
export interface SyncOverview {
  target: SyncTargetKind;
  description: string;
  paused: boolean;
  pausedAt?: Date;
  pauseReason?: string;
  counts: SyncCounts;
  /** The newest dead letters. */
  dead: SyncState[];
  drift?: DriftReport;
  lastDelivery?: { at: Date; name: string; rows: number };
  lastDeliveryError?: { at: Date; message: string };
}

/** Where sync stands: target, pending count and age, dead letters, drift, pause. */
export async function syncOverview(deps: SyncDeps, deadListed = 10): Promise<SyncOverview> {
  const [control, counts, dead] = await Promise.all([
    deps.syncControl.get(),
    deps.syncStates.counts(),
    deps.syncStates.listDead(deadListed),
  ]);
  return {
    target: deps.sync.target,
    description: deps.sync.description,
    paused: control.paused,
    ...(control.pausedAt ? { pausedAt: control.pausedAt } : {}),
    ...(control.pauseReason ? { pauseReason: control.pauseReason } : {}),
    counts,
    dead,
    ...(control.drift ? { drift: control.drift } : {}),
    ...(control.lastDelivery ? { lastDelivery: control.lastDelivery } : {}),
    ...(control.lastDeliveryError ? { lastDeliveryError: control.lastDeliveryError } : {}),
  };
}

/** One learner's sync state for the learner card; null when sync is off or they never changed since. */
export async function learnerSyncState(deps: Pick<SyncDeps, 'syncStates' | 'sync'>, learnerId: string): Promise<SyncState | null> {
  if (deps.sync.target === 'none') return null;
  return deps.syncStates.getState(learnerId);
}

/** Sends dead letters (all, or one learner's) to the platform again; admins only, audited. */
export async function retryDeadLetters(deps: SyncDeps, actor: Actor, learnerId?: string): Promise<number> {
  await requireAdmin(deps, actor, 'sync.retry', learnerId ? { learnerId } : {});
  const retried = await deps.syncStates.retryDead(deps.now(), learnerId ? [learnerId] : undefined);
  await audit(deps, actor, 'sync.retry', { ...(learnerId ? { learnerId } : {}), details: { retried } }, 'applied');
  return retried;
}
