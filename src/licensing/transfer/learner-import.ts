import { auditStatusChanges } from '../audit.js';
import {
  freeSeats,
  isEmailAddress,
  type Learner,
  type LearnerStatus,
  type LicenseType,
  normalizeEmail,
  searchFieldsFor,
  seatDelta,
} from '../model.js';
import { applyLicenseSets, resumeStaleOperations } from '../operations.js';
import type { OpFailure, OpItem } from '../ports.js';
import type { ImportDeps, ImportOptions, ImportStore, LearnerProfile, RowSource } from './ports.js';
import {
  excerpt,
  ImportInterrupted,
  type ImportProblem,
  ImportRejected,
  interruptionReason,
  readTable,
  splitList,
  writtenOf,
} from './table.js';

const BATCH = 1_000;
/** Groups one learner may be in: more is a mistake in the file, not an organisation. */
export const MAX_GROUPS = 50;
const count = (n: number) => n.toLocaleString('en-US');

/** One valid learner row. `licenseTypes` undefined = the file says nothing about their licenses. */
export interface LearnerRow {
  line: number;
  profile: LearnerProfile;
  licenseTypes: string[] | undefined;
}

export interface LearnerImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Learners whose license types the import changed. */
  licensesChanged: number;
  /** Learners whose licenses could not be changed (seats taken meanwhile, or changed concurrently). */
  failed: OpFailure[];
  operations: string[];
}

const LEARNER_COLUMNS = ['email', 'name', 'group', 'licenseType', 'status'];
// An export (`groups`, `licenseTypes`) can be imported back as it is.
const LEARNER_ALIASES: Record<string, string> = { groups: 'group', licensetypes: 'licenseType' };

/**
 * Validates one learner row; returns the row or every problem with it. A column the file does not
 * have (`has`) changes nothing: no group column keeps the learners' groups, no status column (or an
 * empty status) keeps their status.
 */
export function parseLearnerRow(
  line: number,
  get: (column: string) => string,
  typeKeys: ReadonlySet<string>,
  has: (column: string) => boolean = () => true,
): { row: LearnerRow } | { problems: string[] } {
  const problems: string[] = [];
  const rawEmail = get('email');
  const email = normalizeEmail(rawEmail);
  if (!email) problems.push('email is empty');
  else if (!isEmailAddress(email)) problems.push(`email ${excerpt(rawEmail)} is not a valid email address`);
  const name = get('name').normalize('NFC');
  if (!name) problems.push('name is empty');
  else if (name.length > 200) problems.push('name is longer than 200 characters');
  const groups = has('group') ? splitList(get('group').normalize('NFC')) : undefined;
  if (groups?.some((group) => group.length > 100)) problems.push('a group name is longer than 100 characters');
  if (groups && groups.length > MAX_GROUPS) problems.push(`${count(groups.length)} groups; a learner may be in at most ${MAX_GROUPS}`);
  const rawStatus = get('status').toLowerCase();
  const status: LearnerStatus | undefined | null =
    rawStatus === '' ? undefined : rawStatus === 'active' || rawStatus === 'deactivated' ? rawStatus : null;
  if (status === null) problems.push(`status ${excerpt(get('status'))} must be active, deactivated or empty`);
  const types = splitList(get('licenseType'));
  for (const type of types) if (!typeKeys.has(type)) problems.push(`license type ${excerpt(type)} does not exist`);
  if (status === 'deactivated' && types.length > 0) problems.push('a deactivated learner cannot hold a license; leave licenseType empty');
  if (problems.length || status === null) return { problems };
  return {
    row: {
      line,
      profile: { email, name, ...(groups ? { groups } : {}), ...(status ? { status } : {}), ...searchFieldsFor(name, email) },
      // Deactivated learners hold no license: deactivating one releases their seats.
      licenseTypes: status === 'deactivated' ? [] : types.length ? types : undefined,
    },
  };
}

/**
 * Creates or updates learners from `email,name,group,licenseType,status` rows, by email.
 *
 * The whole source is validated first (every bad row is reported with its line number, and the
 * seats each license type would need are checked against its free seats); if anything is wrong
 * nothing is written. Licenses then change only through operations (source 'import'), in two
 * sweeps so that seats a row releases are free before any row needs them: the first sweep saves
 * profiles and makes every change that needs no capped seat, releasing the capped seats that
 * other rows will take; the second makes the rest. A write that fails half-way throws
 * ImportInterrupted saying how far it got; every step is safe to repeat, so the same import run
 * again finishes it, and two imports of one file at once end as the file says.
 */
export async function importLearners(deps: ImportDeps, source: RowSource, options: ImportOptions): Promise<LearnerImportSummary> {
  // A crashed run may still hold seats; finish it so the seat check sees the true counts.
  await resumeStaleOperations(deps.store, deps.owner, deps.now);
  const types = new Map((await deps.store.listLicenseTypes()).map((t) => [t.key, t]));
  const capped = new Set([...types.values()].filter((t) => t.capacity !== null).map((t) => t.key));

  const rows = await validateLearners(deps, source, types, options);
  const run = new ImportRun(deps, options, deps.newRunId());
  try {
    await writeLearners(run, deps, source, types, capped, rows, options);
  } catch (error) {
    if (error instanceof ChangedSource) throw error;
    throw new ImportInterrupted(run.written(rows), interruptionReason(error));
  }

  return {
    rows,
    created: run.created,
    updated: run.updated,
    unchanged: rows - run.created - run.updated,
    licensesChanged: [...run.finalLearners].filter((id) => run.appliedLearners.has(id)).length,
    failed: [...run.failures.values()],
    operations: run.operations,
  };
}

async function writeLearners(
  run: ImportRun,
  deps: ImportDeps,
  source: RowSource,
  types: ReadonlyMap<string, LicenseType>,
  capped: ReadonlySet<string>,
  rows: number,
  options: ImportOptions,
): Promise<void> {
  let needsSecondSweep = false;
  let seenRows = 0;
  await forEachBatch(source, types, async (batch) => {
    seenRows += batch.length;
    const learners = await run.saveProfiles(batch);
    const items: OpItem[] = [];
    for (const row of batch) {
      const learner = learners.get(row.profile.email);
      if (!learner || !row.licenseTypes || sameTypes(learner.licenseTypes, row.licenseTypes)) continue;
      const gainsCapped = row.licenseTypes.some((t) => capped.has(t) && !learner.licenseTypes.includes(t));
      if (!gainsCapped) {
        items.push(itemFor(learner, row.licenseTypes));
        run.finalLearners.add(learner.id);
        continue;
      }
      needsSecondSweep = true;
      const released = learner.licenseTypes.filter((t) => capped.has(t) && !row.licenseTypes?.includes(t));
      if (released.length)
        items.push(
          itemFor(
            learner,
            learner.licenseTypes.filter((t) => !released.includes(t)),
          ),
        );
    }
    await run.apply(items);
    run.rowsSaved = seenRows;
    options.onProgress?.(`Saved ${count(seenRows)} of ${count(rows)} learners`);
  });
  if (seenRows !== rows) throw new ChangedSource();
  if (!needsSecondSweep) return;

  // The rows that take capped seats freed by others get them now.
  run.secondSweep = { done: 0 };
  let secondRows = 0;
  await forEachBatch(source, types, async (batch) => {
    secondRows += batch.length;
    const wanted = batch.filter((row) => row.licenseTypes !== undefined);
    const learners = await byEmail(
      deps.imports,
      wanted.map((row) => row.profile.email),
    );
    const items: OpItem[] = [];
    for (const row of wanted) {
      const learner = learners.get(row.profile.email);
      if (!learner || !row.licenseTypes || sameTypes(learner.licenseTypes, row.licenseTypes)) continue;
      items.push(itemFor(learner, row.licenseTypes));
      run.finalLearners.add(learner.id);
    }
    await run.apply(items);
    run.secondSweep = { done: secondRows };
  });
}

/** Pass one: checks every row and the seats the file needs; throws ImportRejected listing all problems. */
async function validateLearners(
  deps: ImportDeps,
  source: RowSource,
  types: ReadonlyMap<string, LicenseType>,
  options: ImportOptions,
): Promise<number> {
  const problems: ImportProblem[] = [];
  const typeKeys = new Set(types.keys());
  const firstLine = new Map<string, number>();
  const seatsNeeded = new Map<string, number>();
  let pending: LearnerRow[] = [];
  let rows = 0;
  const countSeats = async () => {
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    const learners = await byEmail(
      deps.imports,
      batch.map((row) => row.profile.email),
    );
    for (const row of batch) {
      const learner = learners.get(row.profile.email);
      // Without a status in the file a deactivated learner stays deactivated, and holds nothing.
      if (learner?.status === 'deactivated' && !row.profile.status && row.licenseTypes?.length) {
        problems.push({
          line: row.line,
          message: `${row.profile.email} is deactivated and cannot hold a license; set status to active, or leave licenseType empty`,
        });
        continue;
      }
      for (const [type, delta] of seatDelta(learner?.licenseTypes ?? [], row.licenseTypes ?? [])) {
        seatsNeeded.set(type, (seatsNeeded.get(type) ?? 0) + delta);
      }
    }
  };

  await readTable(source, LEARNER_COLUMNS, LEARNER_ALIASES, problems, async (line, get, has) => {
    rows += 1;
    const parsed = parseLearnerRow(line, get, typeKeys, has);
    const email = 'row' in parsed ? parsed.row.profile.email : normalizeEmail(get('email'));
    const first = email ? firstLine.get(email) : undefined;
    const rowProblems = 'problems' in parsed ? [...parsed.problems] : [];
    if (first !== undefined) rowProblems.push(`email ${email} already appears on line ${first}`);
    else if (email) firstLine.set(email, line);
    if (rowProblems.length) {
      problems.push(...rowProblems.map((message) => ({ line, message })));
      return;
    }
    if ('row' in parsed && parsed.row.licenseTypes) {
      pending.push(parsed.row);
      if (pending.length >= BATCH) await countSeats();
    }
    if (rows % 10_000 === 0) options.onProgress?.(`Checked ${count(rows)} rows`);
  });
  await countSeats();

  for (const [key, needed] of seatsNeeded) {
    const type = types.get(key);
    if (!type || needed <= 0) continue;
    const free = freeSeats(type);
    if (needed > free) {
      problems.push({
        message: `${type.name} (${key}) would need ${count(needed)} more seats but has ${count(free)} free (${count(type.capacity ?? 0)} seats, ${count(type.seatsInUse)} in use)`,
      });
    }
  }
  if (problems.length) throw new ImportRejected(problems);
  return rows;
}

/** The writes of one import run: profiles, then license operations in batches. */
class ImportRun {
  created = 0;
  updated = 0;
  /** True once anything may have been written. */
  startedWriting = false;
  /** Rows whose profiles (and licenses needing no capped seat) are saved. */
  rowsSaved = 0;
  /** Set once the sweep for capped seats started: how many rows it has done. */
  secondSweep: { done: number } | undefined;
  /** The latest failure per learner; a later success (second sweep) clears it. */
  readonly failures = new Map<string, OpFailure>();
  readonly operations: string[] = [];
  /** Learners whose last planned change reaches what the file asks. */
  readonly finalLearners = new Set<string>();
  readonly appliedLearners = new Set<string>();
  private batchNo = 0;
  private saveNo = 0;

  constructor(
    private readonly deps: ImportDeps,
    private readonly options: ImportOptions,
    private readonly runId: string,
  ) {}

  /** What this run wrote, for an interrupted import's message; null when it wrote nothing. */
  written(rows: number): string | null {
    if (!this.startedWriting) return null;
    if (!this.secondSweep) return writtenOf(this.rowsSaved, rows, 'learners');
    return `all ${count(rows)} learners written, and the licenses of ${count(this.secondSweep.done)} of them that take seats freed by others`;
  }

  /** Saves new and changed profiles (auditing status changes); returns the learners of the batch as they now are. */
  async saveProfiles(batch: readonly LearnerRow[]): Promise<Map<string, Learner>> {
    const emails = batch.map((row) => row.profile.email);
    const before = await byEmail(this.deps.imports, emails);
    const changed = batch.filter((row) => {
      const learner = before.get(row.profile.email);
      return !learner || !sameProfile(learner, row.profile);
    });
    if (!changed.length) return before;
    this.saveNo += 1;
    const mark = `import:${this.runId}:${this.saveNo}`;
    this.startedWriting = true;
    const saved = await this.deps.imports.saveLearnerProfiles(
      changed.map((row) => row.profile),
      mark,
    );
    this.created += saved.created;
    this.updated += saved.updated;
    await auditStatusChanges(this.deps, this.options.actor, mark, saved.statusChanged);
    return byEmail(this.deps.imports, emails);
  }

  /**
   * Runs the items as operations, one per kind of outcome, so each operation's change is true of
   * all its items. A learner another import (or person) already gave what the file asks is not a
   * failure: it ends as the file says.
   */
  async apply(items: readonly OpItem[]): Promise<void> {
    if (!items.length) return;
    this.startedWriting = true;
    const results = await applyLicenseSets(this.deps.store, items, {
      nextOpId: () => {
        this.batchNo += 1;
        return `import:${this.runId}:${this.batchNo}`;
      },
      actor: this.options.actor,
      reason: this.options.reason,
      sync: this.options.sync === true,
      owner: this.deps.owner,
      now: this.deps.now,
    });
    const wanted = new Map(items.map((item) => [item.learnerId, item.next]));
    const failed = results.flatMap(({ result }) => result.failed);
    const asAsked = new Set(
      (await this.deps.store.findLearnersByIds(failed.map((f) => f.learnerId)))
        .filter((learner) => sameTypes(learner.licenseTypes, wanted.get(learner.id) ?? []))
        .map((learner) => learner.id),
    );
    for (const { opId, result } of results) {
      this.operations.push(opId);
      for (const item of result.applied) {
        this.appliedLearners.add(item.learnerId);
        this.failures.delete(item.learnerId);
      }
      for (const failure of result.failed) {
        this.finalLearners.delete(failure.learnerId);
        if (asAsked.has(failure.learnerId)) this.failures.delete(failure.learnerId);
        else this.failures.set(failure.learnerId, failure);
      }
    }
  }
}

function itemFor(learner: Learner, next: string[]): OpItem {
  return { learnerId: learner.id, email: learner.email, version: learner.version, prev: [...learner.licenseTypes], next: [...next] };
}

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((type) => b.includes(type));
}

/** True when saving the profile would change nothing the file says (columns it leaves out are not compared). */
function sameProfile(learner: Learner, profile: LearnerProfile): boolean {
  const { groups, status } = profile;
  return (
    learner.name === profile.name &&
    (status === undefined || learner.status === status) &&
    (groups === undefined || (learner.groups.length === groups.length && learner.groups.every((group, i) => group === groups[i])))
  );
}

async function byEmail(store: ImportStore, emails: readonly string[]): Promise<Map<string, Learner>> {
  const learners = new Map<string, Learner>();
  for (let i = 0; i < emails.length; i += BATCH) {
    for (const learner of await store.findLearnersByEmails(emails.slice(i, i + BATCH))) learners.set(learner.email, learner);
  }
  return learners;
}

/** The file no longer reads as it did when it was checked. */
class ChangedSource extends Error {
  constructor() {
    super('The file changed while it was being imported. What was written is consistent; run the import again.');
    this.name = 'ChangedSource';
  }
}

/** Re-reads the (already validated) source in batches of valid rows. */
async function forEachBatch(
  source: RowSource,
  types: ReadonlyMap<string, LicenseType>,
  handle: (batch: LearnerRow[]) => Promise<void>,
): Promise<void> {
  const typeKeys = new Set(types.keys());
  let batch: LearnerRow[] = [];
  const problems: ImportProblem[] = [];
  await readTable(source, LEARNER_COLUMNS, LEARNER_ALIASES, problems, async (line, get, has) => {
    const parsed = parseLearnerRow(line, get, typeKeys, has);
    if ('problems' in parsed) throw new ChangedSource();
    batch.push(parsed.row);
    if (batch.length >= BATCH) {
      const full = batch;
      batch = [];
      await handle(full);
    }
  });
  if (problems.length) throw new ChangedSource();
  if (batch.length) await handle(batch);
}
