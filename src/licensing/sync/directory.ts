import { randomBytes } from 'node:crypto';
import { requireAdmin } from '../admins.js';
import { audit, auditStatusChanges } from '../audit.js';
import { type Actor, isEmailAddress, type Learner, type LearnerStatus, normalizeEmail, platformNameOf, searchFieldsFor } from '../model.js';
import { applyLicenseSets } from '../operations.js';
import type { OpFailure, OpItem } from '../ports.js';
import type { LearnerProfile } from '../transfer/ports.js';
import type { DirectorySource, DriftEntry, DriftReport, PlatformUser, SyncDeps } from './ports.js';

const DRIFT_LISTED = 20;

/** What a pull (or a verify, which writes nothing) found. */
export interface PullSummary {
  users: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Platform users without a usable email. */
  skipped: number;
  drift: DriftReport;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Reads the platform's directory page by page. With `write`, creates and updates learners (email,
 * name, status, groups; nobody is ever deleted, and licenses are never set here); either way, every
 * learner whose platform licenses differ from ours is recorded as drift (learners with a change
 * still on its way to the platform are not: the difference is expected).
 */
export async function pullDirectory(
  deps: SyncDeps,
  source: DirectorySource,
  actor: Actor,
  options: { write: boolean },
): Promise<PullSummary> {
  const types = await deps.store.listLicenseTypes();
  // Platform names back to our keys; a name we do not know stays as it is (shown, never applied).
  const keyOf = new Map(types.map((t) => [platformNameOf(t).toLowerCase(), t.key]));
  const summary = { users: 0, created: 0, updated: 0, unchanged: 0, skipped: 0 };
  const drift: DriftEntry[] = [];
  let unknown = 0;
  const run = randomBytes(4).toString('hex');
  let pages = 0;

  for await (const page of source.users()) {
    const users = dedupe(page);
    summary.skipped += page.length - users.length;
    summary.users += users.length;
    const existing = new Map((await deps.imports.findLearnersByEmails(users.map((u) => u.email))).map((l) => [l.email, l]));
    unknown += users.filter((u) => !existing.has(u.email)).length;
    if (options.write) {
      const profiles = users
        .map((user) => profileFor(user, existing.get(user.email), deps.sync.activeMeansLicensed))
        .filter((p) => p.changed);
      pages += 1;
      const mark = `pull:${run}:${pages}`;
      const saved = profiles.length
        ? await deps.imports.saveLearnerProfiles(
            profiles.map((p) => p.profile),
            mark,
          )
        : { created: 0, updated: 0, statusChanged: [] };
      await auditStatusChanges(deps, actor, mark, saved.statusChanged);
      summary.created += saved.created;
      summary.updated += saved.updated;
      summary.unchanged += users.length - saved.created - saved.updated;
    } else summary.unchanged += users.length;

    const learners = options.write
      ? new Map((await deps.imports.findLearnersByEmails(users.map((u) => u.email))).map((l) => [l.email, l]))
      : existing;
    const waiting = await deps.syncStates.pendingAmong([...learners.values()].map((l) => l.id));
    for (const user of users) {
      const learner = learners.get(user.email);
      if (!learner || waiting.has(learner.id)) continue;
      // With SCIM_REVOKE_ALL=deactivate an inactive user holds nothing, whatever the attribute says.
      const theirs =
        deps.sync.activeMeansLicensed && !user.active ? [] : user.platformLicenses.map((name) => keyOf.get(name.toLowerCase()) ?? name);
      const unique = [...new Set(theirs)];
      if (!sameSet(unique, learner.licenseTypes))
        drift.push({ learnerId: learner.id, email: learner.email, ours: [...learner.licenseTypes], theirs: unique });
    }
  }

  const report: DriftReport = {
    at: deps.now(),
    checked: summary.users,
    drifted: drift.length,
    unknownOnPlatform: unknown,
    first: drift.slice(0, DRIFT_LISTED),
  };
  await deps.syncControl.saveDrift(report, drift);
  await audit(deps, actor, options.write ? 'sync.pull' : 'sync.verify', { details: { ...summary, drifted: drift.length } }, 'applied');
  return { ...summary, drift: report };
}

/** One user per email (the first), lower-cased; users without a usable email are left out. */
function dedupe(users: readonly PlatformUser[]): PlatformUser[] {
  const seen = new Set<string>();
  const out: PlatformUser[] = [];
  for (const user of users) {
    const email = normalizeEmail(user.email);
    if (!isEmailAddress(email) || seen.has(email)) continue;
    seen.add(email);
    out.push({ ...user, email });
  }
  return out;
}

/**
 * The profile a platform user gives a learner. Status follows `active` only where `active` means
 * employment: with SCIM_REVOKE_ALL=deactivate the bot itself deactivates users it revoked, and
 * reading that back would lock them out here. A learner holding licenses is never deactivated by a
 * pull (that would strand their seats); the difference shows as drift instead.
 */
function profileFor(
  user: PlatformUser,
  learner: Learner | undefined,
  activeMeansLicensed: boolean,
): { profile: LearnerProfile; changed: boolean } {
  const name = (user.name.trim() || learner?.name || user.email).slice(0, 200);
  const groups = user.groups.length
    ? [...new Set(user.groups.map((g) => g.trim().slice(0, 100)).filter(Boolean))]
    : (learner?.groups ?? []);
  let status: LearnerStatus = learner?.status ?? 'active';
  if (!activeMeansLicensed) status = user.active || (learner?.licenseTypes.length ?? 0) > 0 ? 'active' : 'deactivated';
  const profile = { email: user.email, name, groups, status, ...searchFieldsFor(name, user.email) };
  const changed =
    !learner ||
    learner.name !== name ||
    learner.status !== status ||
    !sameSet(learner.groups, groups) ||
    learner.groups.length !== groups.length;
  return { profile, changed };
}

/** Pushes our licenses for every drifted learner: the platform is overwritten with what we hold. */
export async function pushOursForDrift(deps: SyncDeps, actor: Actor): Promise<number> {
  await requireAdmin(deps, actor, 'sync.push_ours');
  let count = 0;
  for await (const page of pages(deps.syncControl.driftEntries(), 1_000)) {
    const learners = await deps.store.findLearnersByIds(page.map((e) => e.learnerId));
    await deps.syncStates.forcePending(
      learners.map((l) => ({ learnerId: l.id, email: l.email, licenseTypes: l.licenseTypes, version: l.version })),
      deps.now(),
    );
    count += learners.length;
  }
  await deps.syncControl.clearDrift();
  await audit(deps, actor, 'sync.push_ours', { details: { learners: count } }, 'applied');
  return count;
}

/**
 * Takes the platform's licenses for every drifted learner, through the operation engine (seats
 * checked, history and audit with source `sync`); nothing is pushed back, since the platform has it.
 */
export async function acceptTheirsForDrift(deps: SyncDeps, actor: Actor): Promise<{ changed: number; failed: OpFailure[] }> {
  await requireAdmin(deps, actor, 'sync.accept_theirs');
  const known = new Set((await deps.store.listLicenseTypes()).map((t) => t.key));
  const runId = `${deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let batchNo = 0;
  let changed = 0;
  const failed: OpFailure[] = [];
  for await (const page of pages(deps.syncControl.driftEntries(), 1_000)) {
    const learners = new Map((await deps.store.findLearnersByIds(page.map((e) => e.learnerId))).map((l) => [l.id, l]));
    const items: OpItem[] = [];
    for (const entry of page) {
      const learner = learners.get(entry.learnerId);
      const next = entry.theirs.filter((key) => known.has(key));
      if (!learner) continue;
      if (learner.status !== 'active' || sameSet(next, learner.licenseTypes)) continue;
      items.push({ learnerId: learner.id, email: learner.email, version: learner.version, prev: [...learner.licenseTypes], next });
    }
    const results = await applyLicenseSets(deps.store, items, {
      nextOpId: () => {
        batchNo += 1;
        return `sync:${runId}:${batchNo}`;
      },
      actor: { ...actor, source: 'sync' },
      reason: 'accepted the learning platform’s licenses',
      sync: false,
      owner: deps.processId,
      now: deps.now,
    });
    for (const { result } of results) {
      changed += result.applied.length;
      failed.push(...result.failed);
    }
  }
  await deps.syncControl.clearDrift();
  await audit(deps, actor, 'sync.accept_theirs', { details: { changed, failed: failed.length } }, 'applied');
  return { changed, failed };
}

async function* pages<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let page: T[] = [];
  for await (const item of items) {
    page.push(item);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length) yield page;
}
