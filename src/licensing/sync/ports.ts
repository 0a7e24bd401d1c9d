import type { LicensingDeps } from '../deps.js';
import type { LearnerStatus, LicenseType } from '../model.js';
import type { ExportStore, ImportStore } from '../transfer/ports.js';

/**
 * Ports of the sync feature: how settled license changes reach the learning platform, and how
 * the platform's directory comes in. The domain drives them; outbound/ implements them (SCIM,
 * Org Sync files over SFTP or to a folder, signed webhooks), db/ keeps the outbox.
 */

/** Where changes go: `none` keeps the bot as the record (today's behaviour). */
export type SyncTargetKind = 'none' | 'scim' | 'orgsync' | 'webhook';

/**
 * A learner as the platform should see them now: state, not a diff, so pushing it twice is
 * harmless and ten quick changes of one learner become one push. `licenses` are as of the
 * latest change settled here (never one still in flight).
 */
export interface LearnerSnapshot {
  learnerId: string;
  email: string;
  name: string;
  status: LearnerStatus;
  groups: string[];
  /** License type keys held. */
  licenseTypes: string[];
  /** What each of those types is called on the platform (its `platformName`, else its name), same order. */
  platformLicenses: string[];
  /** The learner's version after that change; `learnerId:version` is the push's idempotency key. */
  version: number;
  /** The platform's id for the learner, when a previous push or lookup learned it (SCIM user id). */
  remoteId?: string;
}

/** How the platform answered for one learner. */
export type PushResult =
  /** Accepted; `remoteId` is remembered for the next push. */
  | { kind: 'ok'; remoteId?: string }
  /** Try again later (429, 5xx, timeout, connection refused); `retryAfterMs` from Retry-After. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** Will not heal by retrying (seats short on the platform, unknown user, bad request): a dead letter with the platform's own words. */
  | { kind: 'rejected'; reason: string; status?: number }
  /** 401/403: the credentials are wrong; sync pauses and the admins are told once. */
  | { kind: 'unauthorized'; reason: string; status?: number };

/** A platform that takes learners one state at a time (SCIM, webhook). */
export interface PushTarget {
  readonly kind: 'scim' | 'webhook';
  /** For people: "SCIM at https://host/scim/v2". Never contains a secret. */
  describe(): string;
  /**
   * Pushes the batch and answers one result per snapshot, in the same order. Per-learner
   * failures are results, not exceptions; an exception means every learner of the batch retries.
   */
  push(batch: readonly LearnerSnapshot[]): Promise<PushResult[]>;
  /** One cheap authenticated request, to learn whether a paused sync may resume. */
  probe(): Promise<PushResult>;
}

/** One license type as a file's columns need it. */
export type SyncLicenseType = Pick<LicenseType, 'key' | 'name'> & { platformName: string };

/** A platform that takes whole files (LinkedIn Learning's Org Sync CSV). */
export interface FileTarget {
  readonly kind: 'orgsync';
  describe(): string;
  /**
   * Writes the rows as one file under a temporary name and renames it when complete, so the
   * platform never reads half a file. Resolves with the final name and the rows written.
   */
  deliver(file: {
    name: string;
    licenseTypes: readonly SyncLicenseType[];
    rows: AsyncIterable<LearnerSnapshot>;
  }): Promise<{ name: string; rows: number }>;
}

/** A user as the platform's directory lists them (SCIM pull). */
export interface PlatformUser {
  remoteId: string;
  email: string;
  name: string;
  active: boolean;
  groups: string[];
  /** License names as the platform calls them. */
  platformLicenses: string[];
}

/** The platform's directory, read page by page (SCIM `GET /Users`). */
export interface DirectorySource {
  describe(): string;
  /** Every user, one page at a time; a failure rejects the iteration with a plain sentence. */
  users(pageSize?: number): AsyncIterable<PlatformUser[]>;
}

/** The platform refused our credentials (401/403) while reading its directory. */
export class PlatformAuthError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PlatformAuthError';
  }
}

/** The platform could not be read (down, timing out, answering nonsense). */
export class PlatformUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformUnavailableError';
  }
}

/** Where one learner stands with the platform. */
export type SyncStatus = 'pending' | 'synced' | 'dead';

/** One learner's outbox entry: the latest settled state, and how far the platform has it. */
export interface SyncState {
  learnerId: string;
  email: string;
  licenseTypes: string[];
  /** Version of the latest settled change. */
  version: number;
  /** Version the platform last accepted; -1 when never. */
  pushedVersion: number;
  status: SyncStatus;
  /** When the oldest change the platform does not have yet was settled. */
  pendingSince?: Date;
  attempts: number;
  nextAttemptAt?: Date;
  /** The platform's (or the network's) last refusal, in its own words. */
  lastError?: { message: string; at: Date; status?: number };
  syncedAt?: Date;
  remoteId?: string;
  bulkRequestId?: string;
}

/** A batch of outbox entries leased by one worker; `token` proves the lease when results are written. */
export interface ClaimedBatch {
  token: string;
  states: SyncState[];
}

/** What a push did to one leased entry. */
export type SyncOutcome =
  | { learnerId: string; kind: 'pushed'; version: number; remoteId?: string }
  | { learnerId: string; kind: 'retry'; version: number; reason: string; nextAttemptAt: Date }
  | { learnerId: string; kind: 'dead'; version: number; reason: string; status?: number }
  | { learnerId: string; kind: 'released' };

/** Counts for `/license sync` and the metrics. */
export interface SyncCounts {
  pending: number;
  dead: number;
  synced: number;
  oldestPendingSince?: Date;
}

/** The outbox, in the database; several workers share it through leases. */
export interface SyncStateStore {
  /** Leases up to `limit` due entries (pending, attempt time passed, lease free or expired), oldest due first. */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedBatch>;
  /** Leases every pending entry (a file delivery takes them all); the entries are then read with `leasedStates`. */
  claimAllPending(now: Date, leaseMs: number): Promise<{ token: string; count: number }>;
  /** The entries a lease holds, streamed in learner order. */
  leasedStates(token: string): AsyncIterable<SyncState>;
  /** A file with every leased entry was delivered: each is pushed as of the version it had when leased. */
  markLeasedDelivered(token: string, now: Date): Promise<void>;
  /** Renews a lease that is still needed (a long file upload). */
  renewLease(token: string, now: Date, leaseMs: number): Promise<void>;
  /** Writes the outcomes of a leased batch; entries whose lease was lost are left alone. */
  recordOutcomes(token: string, outcomes: readonly SyncOutcome[], now: Date): Promise<void>;
  /** Releases a lease without counting an attempt (sync paused, process stopping). */
  release(token: string): Promise<void>;
  getState(learnerId: string): Promise<SyncState | null>;
  counts(): Promise<SyncCounts>;
  /** Dead letters, most recent first. */
  listDead(limit: number): Promise<SyncState[]>;
  /** Makes dead letters (all, or these learners) pending again; returns how many. */
  retryDead(now: Date, learnerIds?: readonly string[]): Promise<number>;
  /** Marks learners pending with their current licenses although nothing changed here (push ours after drift). */
  forcePending(
    learners: readonly { learnerId: string; email: string; licenseTypes: string[]; version: number }[],
    now: Date,
  ): Promise<void>;
  /** The learners among `ids` whose latest change the platform does not have yet. */
  pendingAmong(ids: readonly string[]): Promise<Set<string>>;
  /** Entries of a bulk job's learners the platform does not have yet (pending), and those it refused (dead). */
  bulkProgress(bulkRequestId: string): Promise<{ pending: number; dead: number }>;
}

/** Sync as a whole: paused by bad credentials, probes, the last file, the last drift report. */
export interface SyncControl {
  paused: boolean;
  pausedAt?: Date;
  pauseReason?: string;
  resumedAt?: Date;
  lastDelivery?: { at: Date; name: string; rows: number };
  lastDeliveryError?: { at: Date; message: string };
  drift?: DriftReport;
}

/** Learners whose platform licenses differ from ours, as the last pull or verify found them. */
export interface DriftReport {
  at: Date;
  checked: number;
  drifted: number;
  /** Users on the platform no learner here had (a pull creates them). */
  unknownOnPlatform: number;
  first: DriftEntry[];
}

export interface DriftEntry {
  learnerId: string;
  email: string;
  ours: string[];
  theirs: string[];
}

/** The sync control document and the drift list. */
export interface SyncControlStore {
  get(): Promise<SyncControl>;
  /** Pauses sync; true only for the call that paused it (so the admins are told once). */
  pause(reason: string, now: Date): Promise<boolean>;
  /** Resumes; true only for the call that resumed it. */
  resume(now: Date): Promise<boolean>;
  /** True at most once per `everyMs` while paused: the right to probe the platform. */
  claimProbe(now: Date, everyMs: number): Promise<boolean>;
  recordDelivery(delivery: { at: Date; name: string; rows: number } | { at: Date; error: string }): Promise<void>;
  /** Replaces the drift list and report with a new one. */
  saveDrift(report: DriftReport, entries: AsyncIterable<DriftEntry> | readonly DriftEntry[]): Promise<void>;
  /** Every drifted learner of the last report, streamed. */
  driftEntries(): AsyncIterable<DriftEntry>;
  clearDrift(): Promise<void>;
}

/** How sync is set up, for the services and for people. */
export interface SyncSettings {
  target: SyncTargetKind;
  /** "SCIM at https://host/scim/v2"; never a secret. */
  description: string;
  /** Org Sync: every learner in each file, or only those changed since the last delivered file. */
  fileMode: 'full' | 'delta';
  /** SCIM: a user's `active` says whether they hold a license (SCIM_REVOKE_ALL=deactivate), not whether they work here. */
  activeMeansLicensed: boolean;
}

/** How sync tells people what happened; the Slack layer implements it. */
export interface SyncNotifier {
  /** Sync was paused by a 401/403; called once per pause. */
  paused(reason: string, target: string): Promise<void>;
  /** The platform accepts our credentials again. */
  resumed(target: string): Promise<void>;
}

/** What the sync use cases need on top of the licensing services. */
export interface SyncDeps extends LicensingDeps {
  syncStates: SyncStateStore;
  syncControl: SyncControlStore;
  imports: ImportStore;
  exports: ExportStore;
  sync: SyncSettings;
}
