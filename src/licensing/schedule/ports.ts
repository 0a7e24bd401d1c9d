import type { LicensingDeps } from '../deps.js';
import type { NoticeDeps } from '../notices/ports.js';

/** When a grant's holders are told it ends: 7 days and 1 day before (or at half the time when shorter). */
export type WarningLabel = '7d' | '1d';

export interface GrantWarning {
  label: WarningLabel;
  at: Date;
}

/** `active` until its end is handled: `ended` (taken back) or `superseded` (someone changed it first). */
export type GrantStatus = 'active' | 'ended' | 'superseded';

/**
 * How a grant ended: `ended` — the added types were taken back and what the change replaced came
 * back; `ended_without_return` — taken back, but the replaced type had no free seat; `superseded` —
 * the learner no longer held what was granted, so nothing was changed.
 */
export type GrantEndOutcome = 'ended' | 'ended_without_return' | 'superseded';

/** The time-bound part of a change applied "until" a moment: kept per learner, ended by the expiry jobs. */
export interface Grant {
  /** `<grant op id>:<learner id>`: the operation that granted it writes it once. */
  id: string;
  learnerId: string;
  email: string;
  /** Types the change gave; taken back at the end. */
  added: string[];
  /** Types the change replaced; given back at the end when seats allow. */
  removed: string[];
  /** When the grant counts from (the half-time warnings are measured from it). */
  since: Date;
  endsAt: Date;
  grantedBy: string;
  grantOpId: string;
  /** The bulk request that granted it, if any: its holders are told and extended together. */
  requestId?: string;
  reason: string;
  /** The granting admin's time zone, to show the end back in it. */
  timeZone?: string;
  status: GrantStatus;
  warnings: GrantWarning[];
  /** Labels of the warnings already sent for the current end. */
  warned: WarningLabel[];
  /** The next unsent warning, or null. */
  nextWarnAt: Date | null;
  /** The operation that ends it, once an expiry run claimed it. */
  endOpId?: string;
  endedAt?: Date;
  endOutcome?: GrantEndOutcome;
  extendedBy?: string;
  extendedAt?: Date;
}

/** What the operation engine records when a time-bound change settles (see operations.ts). */
export type NewGrant = Omit<Grant, 'status' | 'warned' | 'endOpId' | 'endedAt' | 'endOutcome' | 'extendedBy' | 'extendedAt'>;

/** What ending a grant needs of it (an expiry reads only this much of each grant it claims). */
export type EndingGrant = Pick<Grant, 'id' | 'learnerId' | 'email' | 'added' | 'removed' | 'since' | 'endsAt' | 'grantedBy' | 'requestId'>;

/** Grants one expiry claim ended, to be taken back by the operation `opId`. */
export interface EndClaim {
  opId: string;
  grants: EndingGrant[];
  /** A new claim (its operation cannot exist yet), not one resumed from a previous version's run. */
  fresh: boolean;
}

/** Several grants extended together: one learner's, or every active grant of a bulk request. */
export type GrantTarget = { grantId: string } | { requestId: string };

/** Time-bound grants; implemented by db/. */
export interface GrantStore {
  getGrant(id: string): Promise<Grant | null>;
  /** A learner's active grants, soonest end first. */
  activeGrantsOf(learnerId: string): Promise<Grant[]>;
  /** Active grants of a target (one grant, or a bulk request's), soonest end first, at most `limit`. */
  activeGrantsFor(target: GrantTarget, limit: number): Promise<Grant[]>;
  countActiveGrantsFor(target: GrantTarget): Promise<number>;
  /** Active grants ending after `after` and by `before`, soonest end first, at most `limit` (the admins' App Home). */
  activeGrantsEndingBetween(after: Date, before: Date, limit: number): Promise<Grant[]>;
  /**
   * Claims up to `limit` active grants due by `now`: records a claim under `newOpId`, leased until
   * `now + leaseMs`, then ends each grant with one conditional write (`ended`, outcome `ended`,
   * `endOpId`), so no grant is taken by two runs. Grants a run of the previous version had given an
   * operation are claimed under that operation's id (`fresh` false). `seen` is how many due grants
   * were found: a claim may get none of them when another process was faster.
   */
  claimDueGrants(now: Date, newOpId: string, limit: number, leaseMs: number): Promise<{ claims: EndClaim[]; seen: number }>;
  /** Claims whose lease ran out by `now` (their run died), each leased again to the caller; at most `limit`. */
  takeStaleEndClaims(now: Date, leaseMs: number, limit: number): Promise<string[]>;
  /** The grants claim `opId` ended whose outcome has not been corrected (`ended`, the usual one). */
  grantsEndedBy(opId: string): Promise<EndingGrant[]>;
  /** Corrects the outcome of grants claim `opId` ended (superseded, or ended without return). */
  setEndOutcome(opId: string, ids: readonly string[], status: 'ended' | 'superseded', outcome: GrantEndOutcome): Promise<void>;
  /** Makes grants claim `opId` ended active again (their learner changed meanwhile): a later run ends them. */
  reopenGrants(opId: string, ids: readonly string[]): Promise<void>;
  /** Claim `opId` is done: its grants' outcomes are final. */
  finishEndClaim(opId: string): Promise<void>;
  /** Leases up to `limit` active grants with a warning due by `now` under `token`. */
  claimDueWarnings(now: Date, token: string, limit: number, leaseMs: number): Promise<Grant[]>;
  /** Records sent warnings and the next one, for grants still leased under `token` with the same end. */
  markWarned(
    token: string,
    updates: readonly { id: string; endsAt: Date; warned: WarningLabel[]; nextWarnAt: Date | null }[],
  ): Promise<void>;
  /**
   * Moves the end of the target's active grants that no expiry run holds; returns the ids moved.
   * Warnings start again for the new end.
   */
  extendGrants(
    target: GrantTarget,
    change: { endsAt: Date; warnings: GrantWarning[]; nextWarnAt: Date | null; by: string; at: Date },
  ): Promise<string[]>;
}

export type ExtensionStatus = 'pending_approval' | 'approved' | 'rejected' | 'expired';

/** An extension past MAX_GRANT_DAYS, waiting for a lead. */
export interface ExtensionRequest {
  id: string;
  target: GrantTarget;
  endsAt: Date;
  /** The end it replaces (for the message). */
  previousEndsAt: Date;
  /** Learners it covers. */
  learners: number;
  requestedBy: string;
  reason: string;
  timeZone?: string;
  status: ExtensionStatus;
  createdAt: Date;
  /** The grant's current end: undecided by then, the request is moot. */
  expiresAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  approvalMessage?: { channel: string; ts: string };
}

/** Extension requests; implemented by db/. */
export interface ExtensionStore {
  createExtension(request: Omit<ExtensionRequest, 'id' | 'status'>): Promise<ExtensionRequest>;
  getExtension(id: string): Promise<ExtensionRequest | null>;
  /** pending_approval → approved/rejected before `expiresAt`; null when it was not pending (someone decided first). */
  decideExtension(id: string, status: 'approved' | 'rejected', by: string, now: Date): Promise<ExtensionRequest | null>;
  setExtensionMessage(id: string, ref: { channel: string; ts: string }): Promise<void>;
}

/** Things that happen at a time; each is one Agenda job per key, so scheduling twice makes one. */
export type TimerKind = 'grant_end' | 'grant_warning' | 'approval_reminder' | 'approval_deadline' | 'scheduled_change';

export interface Timer {
  kind: TimerKind;
  /** What is scheduled (`grant:<id>`, `bulk:<requestId>`, a request id …): one job per kind and key. */
  key: string;
  at: Date;
}

/** Schedules timers; implemented by jobs/ over Agenda. Whatever is missed, the minutely sweep catches. */
export interface TimerScheduler {
  /** Makes sure a job runs at each timer's time; `move` re-times an existing one (an extension). */
  schedule(timers: readonly Timer[], options?: { move?: boolean }): Promise<void>;
  /** Removes the jobs of these keys (an extension's old warnings, a cancelled scheduled change). */
  cancel(kind: TimerKind, keys: readonly string[]): Promise<void>;
}

/** What the schedule use cases need; warnings and the admins' notices go through the notice queue. */
export interface ScheduleDeps extends LicensingDeps, Pick<NoticeDeps, 'notices'> {
  grants: GrantStore;
  extensions: ExtensionStore;
  timers?: TimerScheduler;
  /** MAX_GRANT_DAYS: longer grants need a lead's approval. */
  maxGrantDays?: number;
  /** LEARNER_NOTICES=on: learners are warned too. */
  learnerNotices?: boolean;
  approvalTtlHours: number;
}
