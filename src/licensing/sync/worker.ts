import { randomBytes } from 'node:crypto';
import { type Learner, type LicenseType, platformNameOf } from '../model.js';
import type {
  FileTarget,
  LearnerSnapshot,
  PushResult,
  PushTarget,
  SyncDeps,
  SyncLicenseType,
  SyncNotifier,
  SyncOutcome,
  SyncState,
} from './ports.js';

/** Knobs of a push round; tests shorten them. */
export interface PushRoundOptions {
  /** Learners leased and pushed at a time. */
  batchSize?: number;
  /** How long a lease lasts; a crashed worker's learners are taken over after it. */
  leaseMs?: number;
  /** While paused, how often one worker may try the platform again. */
  probeEveryMs?: number;
  /** A round stops after this long (the job runs again). */
  budgetMs?: number;
  /** Called between batches: the Agenda job renews its lock; throwing stops the round. */
  heartbeat?: () => Promise<void>;
  /**
   * After pushing, how long a round keeps looking for more before it ends: a bulk job settles a
   * batch every second or so, and streaming them as they come beats waiting for the next round.
   */
  lingerMs?: number;
}

/** What one round did. */
export interface PushRoundResult {
  pushed: number;
  retried: number;
  dead: number;
  /** True when sync is (or became) paused. */
  paused: boolean;
  /** True when every learner of the last batch must wait (the platform is down or throttling). */
  backedOff: boolean;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/** When a learner that failed `attempts` times is due again: exponential, capped, never before Retry-After. */
export function nextAttemptAt(now: Date, attempts: number, retryAfterMs?: number, random: () => number = Math.random): Date {
  const exponential = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(attempts, 20));
  // A little jitter so thousands of learners that failed together do not come back together.
  const wait = Math.max(retryAfterMs ?? 0, exponential * (0.9 + 0.2 * random()));
  return new Date(now.getTime() + wait);
}

/** Every license type with the name the platform knows it by. */
export function syncLicenseTypes(types: readonly LicenseType[]): SyncLicenseType[] {
  return types.map((t) => ({ key: t.key, name: t.name, platformName: platformNameOf(t) }));
}

/** The snapshot of a learner: licenses from the outbox (settled here), profile from the learner. */
export function snapshotOf(
  state: Pick<SyncState, 'learnerId' | 'email' | 'licenseTypes' | 'version' | 'remoteId'>,
  learner: Learner | undefined,
  types: ReadonlyMap<string, LicenseType>,
): LearnerSnapshot {
  return {
    learnerId: state.learnerId,
    email: learner?.email ?? state.email,
    name: learner?.name ?? state.email,
    status: learner?.status ?? 'active',
    groups: learner?.groups ?? [],
    licenseTypes: [...state.licenseTypes],
    platformLicenses: state.licenseTypes.map((key) => {
      const type = types.get(key);
      return type ? platformNameOf(type) : key;
    }),
    version: state.version,
    ...(state.remoteId ? { remoteId: state.remoteId } : {}),
  };
}

/**
 * Pushes every due learner to a one-state-at-a-time platform (SCIM, webhook), batch by batch, until
 * none is due or the round's budget is spent. Several processes may run it at once: each leases
 * its own batch. A 401/403 pauses sync for everyone (the admins are told once); while paused, one
 * worker probes the platform now and then and resumes when it answers.
 */
export async function pushDueLearners(
  deps: SyncDeps,
  target: PushTarget,
  notifier: SyncNotifier,
  options: PushRoundOptions = {},
): Promise<PushRoundResult> {
  const batchSize = options.batchSize ?? 500;
  const leaseMs = options.leaseMs ?? 120_000;
  const startedAt = Date.now();
  const result: PushRoundResult = { pushed: 0, retried: 0, dead: 0, paused: false, backedOff: false };
  let lastBatchAt = Date.now();
  const idleSince = (ms: number) => Date.now() - lastBatchAt >= ms;

  if (!(await resumeIfHealed(deps, target, notifier, options.probeEveryMs ?? 30_000))) return { ...result, paused: true };

  while (Date.now() - startedAt < (options.budgetMs ?? 50_000)) {
    await options.heartbeat?.();
    const now = deps.now();
    const batch = await deps.syncStates.claimDue(now, batchSize, leaseMs);
    if (batch.states.length === 0) {
      const linger = options.lingerMs ?? 1_000;
      // Nothing due: end the round, unless it has been pushing and more may settle in a moment.
      if (result.pushed === 0 || linger <= 0 || idleSince(linger)) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, linger)));
      continue;
    }
    lastBatchAt = Date.now();
    let outcomes: SyncOutcome[];
    try {
      outcomes = await pushBatch(deps, target, notifier, batch.states);
    } catch (error) {
      // Not a per-learner answer (a bug, the database): give the batch back and stop this round.
      await deps.syncStates.release(batch.token).catch(() => undefined);
      throw error;
    }
    await deps.syncStates.recordOutcomes(batch.token, outcomes, deps.now());
    for (const outcome of outcomes) {
      if (outcome.kind === 'pushed') result.pushed += 1;
      else if (outcome.kind === 'retry') result.retried += 1;
      else if (outcome.kind === 'dead') result.dead += 1;
    }
    if (outcomes.some((o) => o.kind === 'released')) return { ...result, paused: true };
    // Every learner must wait: the platform is down or throttling. Trying the next batch now would
    // only spend requests; the others are tried when their own time comes.
    if (outcomes.every((o) => o.kind === 'retry')) return { ...result, backedOff: true };
  }
  return result;
}

/** True when sync may run: not paused, or paused and the platform now accepts our credentials. */
async function resumeIfHealed(deps: SyncDeps, target: PushTarget, notifier: SyncNotifier, probeEveryMs: number): Promise<boolean> {
  const control = await deps.syncControl.get();
  if (!control.paused) return true;
  if (!(await deps.syncControl.claimProbe(deps.now(), probeEveryMs))) return false;
  const probe = await target.probe().catch((error: unknown): PushResult => ({ kind: 'retry', reason: String(error) }));
  if (probe.kind !== 'ok') return false;
  if (await deps.syncControl.resume(deps.now())) await notifier.resumed(target.describe()).catch(() => undefined);
  return true;
}

/** Pushes one leased batch and turns the platform's answers into outbox outcomes. */
async function pushBatch(deps: SyncDeps, target: PushTarget, notifier: SyncNotifier, states: readonly SyncState[]): Promise<SyncOutcome[]> {
  const [learners, types] = await Promise.all([
    deps.store.findLearnersByIds(states.map((s) => s.learnerId)),
    deps.store.listLicenseTypes(),
  ]);
  const byId = new Map(learners.map((l) => [l.id, l]));
  const typeMap = new Map(types.map((t) => [t.key, t]));
  const snapshots = states.map((state) => snapshotOf(state, byId.get(state.learnerId), typeMap));
  let answers: PushResult[];
  try {
    answers = await target.push(snapshots);
  } catch (error) {
    // The adapter could not answer per learner (the platform is unreachable): everyone retries.
    const reason = error instanceof Error ? error.message : String(error);
    answers = snapshots.map(() => ({ kind: 'retry', reason }));
  }
  const now = deps.now();
  const unauthorized = answers.find((a): a is Extract<PushResult, { kind: 'unauthorized' }> => a.kind === 'unauthorized');
  if (unauthorized && (await deps.syncControl.pause(unauthorized.reason, now))) {
    await notifier.paused(unauthorized.reason, target.describe()).catch(() => undefined);
  }
  return states.map((state, i): SyncOutcome => {
    const answer = answers[i] ?? { kind: 'retry', reason: 'the platform gave no answer for this learner' };
    switch (answer.kind) {
      case 'ok':
        return {
          learnerId: state.learnerId,
          kind: 'pushed',
          version: state.version,
          ...(answer.remoteId ? { remoteId: answer.remoteId } : {}),
        };
      case 'retry':
        return {
          learnerId: state.learnerId,
          kind: 'retry',
          version: state.version,
          reason: answer.reason,
          nextAttemptAt: nextAttemptAt(now, state.attempts, answer.retryAfterMs),
        };
      case 'rejected':
        return {
          learnerId: state.learnerId,
          kind: 'dead',
          version: state.version,
          reason: answer.reason,
          ...(answer.status ? { status: answer.status } : {}),
        };
      default:
        // Unauthorized: not the learner's fault; they wait, uncounted, until sync resumes.
        return { learnerId: state.learnerId, kind: 'released' };
    }
  });
}

/** What a file delivery did. */
export interface FileDeliveryResult {
  name: string;
  rows: number;
  /** Outbox entries the file carried to the platform. */
  delivered: number;
}

/**
 * Delivers one Org Sync file: every learner (`full`) or those changed since the last delivered file
 * (`delta`). The pending entries are leased first; only when the file is complete on the platform's
 * side are they marked delivered, so a failed upload loses nothing and the next file carries them.
 */
export async function deliverSyncFile(
  deps: SyncDeps,
  target: FileTarget,
  options: { leaseMs?: number; name?: string } = {},
): Promise<FileDeliveryResult | null> {
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const now = deps.now();
  const lease = await deps.syncStates.claimAllPending(now, leaseMs);
  if (deps.sync.fileMode === 'delta' && lease.count === 0) {
    await deps.syncStates.release(lease.token);
    return null;
  }
  const types = await deps.store.listLicenseTypes();
  const typeMap = new Map(types.map((t) => [t.key, t]));
  const name = options.name ?? syncFileName(now);
  try {
    const delivered = await target.deliver({
      name,
      licenseTypes: syncLicenseTypes(types),
      rows: deps.sync.fileMode === 'full' ? fullRows(deps, typeMap) : deltaRows(deps, lease.token, typeMap),
    });
    await deps.syncStates.markLeasedDelivered(lease.token, deps.now());
    await deps.syncControl.recordDelivery({ at: deps.now(), name: delivered.name, rows: delivered.rows });
    return { name: delivered.name, rows: delivered.rows, delivered: lease.count };
  } catch (error) {
    await deps.syncStates.release(lease.token).catch(() => undefined);
    await deps.syncControl
      .recordDelivery({ at: deps.now(), error: error instanceof Error ? error.message : String(error) })
      .catch(() => undefined);
    throw error;
  }
}

/**
 * `users-20261204T221005123Z-9f3a1c.csv`: sorts by time, and two files are never given one name (a
 * second-resolution name let a delta file delivered in the same second replace the one before it,
 * whose learners were already marked delivered).
 */
export function syncFileName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `users-${stamp.replace(/Z$/, '')}Z-${randomBytes(3).toString('hex')}.csv`;
}

/** Every learner as they are now, in email order. */
async function* fullRows(deps: SyncDeps, types: ReadonlyMap<string, LicenseType>): AsyncGenerator<LearnerSnapshot> {
  for await (const learner of deps.exports.learnersByEmail()) {
    yield snapshotOf(
      { learnerId: learner.id, email: learner.email, licenseTypes: learner.licenseTypes, version: learner.version },
      learner,
      types,
    );
  }
}

/** The leased (changed) learners, with their licenses as settled. */
async function* deltaRows(deps: SyncDeps, token: string, types: ReadonlyMap<string, LicenseType>): AsyncGenerator<LearnerSnapshot> {
  let page: SyncState[] = [];
  const flush = async function* () {
    const learners = new Map((await deps.store.findLearnersByIds(page.map((s) => s.learnerId))).map((l) => [l.id, l]));
    for (const state of page) yield snapshotOf(state, learners.get(state.learnerId), types);
    page = [];
  };
  for await (const state of deps.syncStates.leasedStates(token)) {
    page.push(state);
    if (page.length >= 1_000) yield* flush();
  }
  if (page.length) yield* flush();
}
