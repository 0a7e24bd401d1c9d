import type { ActorSource, Assignment, AuditEvent, ChangeSpec, Learner, LicenseType } from './model.js';
import type { NoticeItem } from './notices/ports.js';
import type { NewGrant } from './schedule/ports.js';

/** A Slack message the Slack layer posted about a request, so it can update it later. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** One learner's planned change inside an operation. */
export interface OpItem {
  learnerId: string;
  email: string;
  /** The learner's version when planned: the update applies only if it is unchanged. */
  version: number;
  prev: string[];
  next: string[];
}

export interface OpFailure {
  learnerId: string;
  email: string;
  code: string;
}

export type OpState = 'planned' | 'reserved' | 'applied' | 'settled';

/**
 * A unit of license changes applied exactly once (the two-phase pattern for MongoDB without
 * transactions): its id is the idempotency key of every write it makes.
 */
export interface Operation {
  id: string;
  state: OpState;
  change: ChangeSpec;
  actor: string;
  source: ActorSource;
  reason: string;
  channelId?: string;
  items: OpItem[];
  failed: OpFailure[];
  /** Every license type whose seat count the operation touches. */
  touchedTypes: string[];
  createdAt: Date;
  appliedIds?: string[];
  /** Settling records the applied learners in the sync outbox, so the learning platform gets them. */
  sync?: boolean;
  /** The audit action when it is not the change's kind (an undo restores per learner: `undo`). */
  action?: string;
  /**
   * A time-bound change: settling records a grant per changed learner, ended at `endsAt` by the
   * expiry jobs (licensing/schedule/). `since` is when the grant counts from.
   */
  grant?: { endsAt: Date; since: Date; timeZone?: string };
  /** Settling queues a DM to each applied learner saying what changed (LEARNER_NOTICES). */
  notify?: boolean;
  /** The lease this op was created with (createOperation with a lease); never read from storage. */
  lease?: { owner: string; until: Date };
}

export type ReserveResult = 'reserved' | 'already_reserved' | 'insufficient';

/** License types and their seat counters; implemented by db/. */
export interface LicenseTypeStore {
  listLicenseTypes(): Promise<LicenseType[]>;
  getLicenseType(key: string): Promise<LicenseType | null>;
  upsertLicenseType(type: { key: string; name: string; capacity: number | null }): Promise<void>;
  /** Marks the op on the type and adds `seats` to seats in use, only within capacity. Idempotent per op. */
  reserveSeats(typeKey: string, opId: string, seats: number): Promise<ReserveResult>;
  /**
   * Replaces what the op's mark reserved by `actual` (the seats its applied items took, negative
   * when they freed some) and removes the mark; a no-op once done. The mark, not the op's items,
   * says what was reserved: a type reserved before another type's shortfall dropped items keeps
   * the count it was reserved with.
   */
  settleSeats(typeKey: string, opId: string, actual: number): Promise<void>;
}

/** Learners: lookups, the typeahead and the version-checked license writes; implemented by db/. */
export interface LearnerStore {
  findLearnerById(id: string): Promise<Learner | null>;
  findLearnerByEmail(email: string): Promise<Learner | null>;
  findLearnersByIds(ids: readonly string[]): Promise<Learner[]>;
  searchLearners(terms: readonly string[], limit: number): Promise<Learner[]>;
  /** Distinct group names, sorted, at most `limit`. */
  listGroups(limit: number): Promise<string[]>;
  /** Seat counts recomputed from the learners, for checks and repair. */
  countHolders(typeKey: string): Promise<number>;
  /**
   * Applies each item if the learner's version is unchanged; marks the learner with the op.
   * Returns how many learners this call changed: when that is every item, there is no need to
   * ask `learnersChangedBy`.
   */
  applyLearnerChanges(opId: string, items: readonly OpItem[]): Promise<number>;
  /** Ids among `ids` whose learner carries the op's mark, i.e. the op changed them. */
  learnersChangedBy(opId: string, ids: readonly string[]): Promise<Set<string>>;
}

/** The operations of the exactly-once engine; implemented by db/. */
export interface OperationStore {
  /**
   * Inserts the operation unless one with its id exists; returns the stored one. With `lease`, a
   * new op is inserted already leased to its creator (one write instead of two); the returned op
   * then carries that lease. An existing op is returned as stored, without it.
   */
  createOperation(op: Operation, lease?: { owner: string; ms: number }): Promise<Operation>;
  getOperation(id: string): Promise<Operation | null>;
  /** Takes or renews the lease on an unsettled op; false if another process holds it. */
  leaseOperation(id: string, owner: string, ms: number): Promise<boolean>;
  replanOperation(id: string, items: OpItem[], failed: OpFailure[]): Promise<void>;
  /** Moves the op from `from` to `to`; false when it was not in `from` (another run moved it). */
  setOperationState(
    id: string,
    from: OpState,
    to: OpState,
    /** The learners the op changed; `allItems` when that is every item (then the list need not be stored). */
    extra?: { appliedIds?: string[]; allItems?: boolean },
  ): Promise<boolean>;
  /** Ops left unsettled with an expired lease (a crashed process), oldest first. */
  staleOperationIds(now: Date, limit: number): Promise<string[]>;
  /** The latest settled operations that changed someone, newest first (read without their item lists). */
  recentChanges(limit: number): Promise<RecentChange[]>;
}

/** The append-only assignment history; implemented by db/. */
export interface HistoryStore {
  /** Closes the open assignments of removed types and opens new ones, keyed by op. */
  recordAssignments(op: Operation, items: readonly OpItem[], at: Date): Promise<void>;
  learnerHistory(learnerId: string, limit: number): Promise<Assignment[]>;
}

/** Audit events; events with a `key` are written once however often they are recorded. */
export interface AuditStore {
  recordAudit(events: readonly AuditEvent[]): Promise<void>;
}

/** One learner's license change as settled here: what the platform must end up holding. */
export interface SettledChange {
  learnerId: string;
  email: string;
  licenseTypes: string[];
  /** The learner's version after the change: a later change has a higher one. */
  version: number;
  opId: string;
  /** Set for the batches of a bulk job, so its notice can say when the platform caught up. */
  bulkRequestId?: string;
}

/** The sync outbox as the operation engine writes it: once per learner and version, whatever the retries. */
export interface OutboxStore {
  /** Marks each learner as needing a push of this state, unless a newer one is already recorded. */
  recordSettledChanges(changes: readonly SettledChange[], at: Date): Promise<void>;
}

/** Time-bound grants as the operation engine writes them: once per op and learner, whatever the retries. */
export interface GrantWriter {
  recordGrants(grants: readonly NewGrant[]): Promise<void>;
}

/** The notice queue as the operation engine writes it: once per key, whatever the retries. */
export interface NoticeOutbox {
  enqueueNotices(items: readonly NoticeItem[], now: Date): Promise<void>;
}

/** A settled operation, summarised for "the last changes". */
export interface RecentChange {
  opId: string;
  change: ChangeSpec;
  actor: string;
  source: ActorSource;
  reason: string;
  at: Date;
  /** Learners it changed, and the first one's email (a single change names its learner). */
  applied: number;
  failed: number;
  firstEmail?: string;
}

/** Everything the operation engine and the licensing services persist through. */
export interface LicensingStore
  extends LicenseTypeStore,
    LearnerStore,
    OperationStore,
    HistoryStore,
    AuditStore,
    OutboxStore,
    GrantWriter,
    NoticeOutbox {}

export interface AdminRecord {
  userId: string;
  addedBy: string;
  addedAt: Date;
}

/** Admins added from Slack (admins from config are not stored). */
export interface AdminStore {
  isStoredAdmin(userId: string): Promise<boolean>;
  addAdmin(record: AdminRecord): Promise<boolean>;
  removeAdmin(userId: string): Promise<boolean>;
  listAdmins(): Promise<AdminRecord[]>;
}
