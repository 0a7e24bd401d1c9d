import type { LicensingDeps } from '../deps.js';
import type { AdminChange, Learner, PlanningLearner } from '../model.js';
import type { ApprovalPolicy, EscalationTarget } from '../policy/ports.js';
import type { MessageRef } from '../ports.js';
import type { TimerScheduler } from '../schedule/ports.js';
import type { Timing } from '../schedule/timing.js';

/**
 * Which learners a bulk change reaches. Filters combine with AND; the values inside one filter
 * with OR. An empty filter does not narrow.
 */
export interface BulkSelection {
  groups: string[];
  /** Learners holding any of these types (or none at all, with `withoutLicense`). */
  licenseTypes: string[];
  withoutLicense: boolean;
  status?: 'active' | 'deactivated';
  /** Name or email contains this text, literally and ignoring case. */
  text?: string;
  /** A pasted list: only these learners. */
  emails: string[];
  excludeIds: string[];
  excludeEmails: string[];
  /** Reclaim: only learners idle since `before` (see licensing/reclaim). */
  idle?: IdleCriteria;
}

/**
 * Idle holders, as reclaim selects them: last active before `before` or never, not exempted
 * (a learner who chose Keep) at `at`, outside `excludeGroups`; in a round, only its silent learners.
 */
export interface IdleCriteria {
  before: Date;
  at: Date;
  excludeGroups: string[];
  /** Only learners asked in this reclaim round who have not answered. */
  round?: string;
  /** Only learners with no activity on record at all. */
  neverOnly?: boolean;
}

/** A selection as a form or a stored draft gives it: anything left out does not narrow. */
export type BulkSelectionInput = Partial<BulkSelection>;

/** Where a bulk request stands; `pending_approval` → `approved` → `running` → a final state. */
export type BulkStatus = 'pending_approval' | 'approved' | 'rejected' | 'expired' | 'running' | 'completed' | 'cancelled' | 'failed';

/** States after which nothing more happens to the learners. */
export const FINAL_BULK_STATUSES: readonly BulkStatus[] = ['rejected', 'expired', 'completed', 'cancelled', 'failed'];

export type { MessageRef } from '../ports.js';

/** The runner's checkpoint and counts; `lastBatch` is the last batch whose counts are included. */
export interface BulkProgress {
  lastBatch: number;
  lastLearnerId: string | null;
  total: number;
  done: number;
  skipped: number;
  failed: number;
}

/** Counts at submission, as shown to the requester and the approver. */
export interface BulkPreviewCounts {
  matched: number;
  alreadyOnTarget: number;
  blocked: number;
  toChange: number;
  seatsNeeded: number;
}

/** A bulk license change, from submission through approval to the finished job. */
export interface BulkRequest {
  id: string;
  status: BulkStatus;
  selection: BulkSelection;
  change: AdminChange;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Set while approval is pending: after it the request can only expire. */
  expiresAt?: Date;
  preview: BulkPreviewCounts;
  decidedBy?: string;
  decidedAt?: Date;
  decisionReason?: string;
  cancelRequestedBy?: string;
  cancelRequestedAt?: Date;
  approvalMessage?: MessageRef;
  progressMessage?: MessageRef;
  progress: BulkProgress;
  startedAt?: Date;
  finishedAt?: Date;
  /** Why a job stopped with status `failed`. */
  failureCode?: string;
  completionNoticeClaimedAt?: Date;
  completionNoticePostedAt?: Date;
  completionNoticeTs?: string;
  /** Where the completion notice went (the channel, or the requester's DM). */
  completionNoticeChannel?: string;
  /** When every learner the job changed had reached the learning platform (sync on). */
  syncCaughtUpAt?: Date;
  /** Learners of the job the platform refused (dead letters) when it caught up. */
  syncRefused?: number;
  /** Made by reclaim (licensing/reclaim): the license type whose idle seats it frees. */
  reclaim?: { type: string; roundId?: string };
  /** An undo (licensing/undo): puts back what the job `of` changed, learner by learner. */
  undo?: { of: string };
  /** The undo request made for this job (its status says whether it ran). */
  undoneBy?: string;
  /** A scheduled change: approved beforehand, the job starts at this moment. */
  applyAt?: Date;
  /** A time-bound change: every learner it changes gets it back at this moment. */
  until?: Date;
  /** The requester's time zone the times were picked in. */
  timeZone?: string;
  /** Distinct leads who must approve (BULK_QUORUM above BULK_QUORUM_THRESHOLD); 1 when unset. */
  quorum?: number;
  /** Leads who approved so far (with a quorum), in order. */
  approvals?: { by: string; at: Date }[];
  /** When the leads are reminded (half the approval window). */
  remindAt?: Date;
  remindedAt?: Date;
  /** Set once the request went to APPROVAL_ESCALATE_TO with a fresh deadline. */
  escalatedAt?: Date;
  escalatedTo?: EscalationTarget;
  /** Copies of the approval message posted on escalation, updated with it. */
  escalationMessages?: MessageRef[];
  /** A sentence with the numbers when the job stopped (a scheduled change short of seats). */
  failureDetail?: string;
  /** Each learner the job changes is told in a DM (LEARNER_NOTICES was on when it was submitted). */
  notifyLearners?: boolean;
  /** When the last of those DMs was sent (or given up), and how it went. */
  learnersToldAt?: Date;
  learnersTold?: { sent: number; noAccount: number; failed: number };
  /** Identifies the submission that made it: a replay of that submission finds this request. */
  submissionKey?: string;
}

/** Narrows the learners of a selection, for the preview's counts. */
export interface LearnerRefinement {
  /** true: status active; false: any other status. */
  active?: boolean;
  /** Holds this license type. */
  holds?: string;
  /** Holds no license at all. */
  holdsNone?: boolean;
  /** Holds none of these types. */
  holdsNoneOf?: string[];
  /** Holds at least one license. */
  holdsAny?: boolean;
}

/** Persistence of bulk requests and the learner queries of a selection; implemented by db/. */
export interface BulkStore {
  /** Learners matching the selection (and the refinement), counted by the database. */
  countLearners(selection: BulkSelection, refinement?: LearnerRefinement): Promise<number>;
  /** The next `limit` matching learners with an id above `afterId`, in id order. */
  learnerPage(selection: BulkSelection, afterId: string | null, limit: number): Promise<Learner[]>;
  /**
   * The matching learners above `afterId`, in id order, `batchSize` at a time, with what planning
   * a change needs, from one cursor over the selection (so a job reads its selection once, not
   * once per batch). Closing the iterator closes the cursor.
   */
  matchingLearnerBatches(selection: BulkSelection, afterId: string | null, batchSize: number): AsyncIterable<PlanningLearner[]>;
  /** The learners among `ids` that match the selection now, read fresh, in id order. */
  matchingLearners(selection: BulkSelection, ids: readonly string[]): Promise<Learner[]>;
  /** The emails among `emails` that no learner has. */
  missingEmails(emails: readonly string[]): Promise<string[]>;

  /**
   * Stores a new request. With `id` (an ObjectId a caller derived) or a `submissionKey` already
   * used, stores nothing and returns the request made the first time (`created: false`), so a
   * retried create or a replayed submission makes one request.
   */
  createBulkRequest(
    request: Omit<BulkRequest, 'id' | 'updatedAt' | 'progress'> & { id?: string },
  ): Promise<{ request: BulkRequest; created: boolean }>;
  getBulkRequest(id: string): Promise<BulkRequest | null>;
  findBulkRequestBySubmission(submissionKey: string): Promise<BulkRequest | null>;
  /** pending_approval → approved/rejected, only before `expiresAt`; null when the request was not pending or is overdue. */
  decideBulkRequest(
    id: string,
    decision: { status: 'approved' | 'rejected'; by: string; reason?: string },
    now: Date,
  ): Promise<BulkRequest | null>;
  /** pending_approval → expired for one overdue request; null when it was not (another process got it). */
  expireBulkRequest(id: string, now: Date): Promise<BulkRequest | null>;
  /** Ids of pending requests whose approval window has passed, oldest first. */
  overdueBulkRequestIds(now: Date, limit: number): Promise<string[]>;
  /** approved → running with the total to process; null when it was not approved. */
  startBulkRequest(id: string, total: number, now: Date): Promise<BulkRequest | null>;
  /**
   * Adds a batch's counts if the checkpoint is still at `batchNo - 1` and returns the request as
   * recorded (the runner reports progress from it without reading it again); null when already recorded.
   */
  recordBulkBatch(
    id: string,
    batchNo: number,
    batch: { lastLearnerId: string | null; done: number; skipped: number; failed: number },
    now: Date,
  ): Promise<BulkRequest | null>;
  /** running → completed/cancelled/failed. */
  finishBulkRequest(id: string, status: 'completed' | 'cancelled' | 'failed', now: Date, failureCode?: string): Promise<BulkRequest | null>;
  /** pending_approval/approved → cancelled before any learner changed. */
  cancelBulkRequestBeforeStart(id: string, by: string, now: Date): Promise<BulkRequest | null>;
  /** Sets the cancel flag on a running job (the runner stops before its next batch). */
  requestBulkCancel(id: string, by: string, now: Date): Promise<BulkRequest | null>;
  setApprovalMessage(id: string, ref: MessageRef): Promise<void>;
  setProgressMessage(id: string, ref: MessageRef): Promise<void>;
  /**
   * Takes the right to post the completion notice under `token`: once, or again when it was never
   * marked posted and its claim was not renewed for `leaseMs`.
   */
  claimCompletionNotice(id: string, now: Date, leaseMs: number, token: string): Promise<boolean>;
  /** Renews a claim still held under `token` on an unposted notice; false otherwise. */
  renewCompletionNoticeClaim(id: string, token: string, now: Date): Promise<boolean>;
  markCompletionNoticePosted(id: string, posted: { ts?: string; channel?: string }, now: Date): Promise<void>;
  /** Finished jobs since `finishedAfter` whose notice is posted and which the platform has not caught up with. */
  syncAwaitingBulkRequests(finishedAfter: Date, limit: number): Promise<BulkRequest[]>;
  /** Records that the platform caught up; null when another process did it first. */
  markSyncCaughtUp(id: string, at: Date, refused: number): Promise<BulkRequest | null>;
  /** Finished jobs since `finishedAfter` that notify learners, whose notice is posted and whose learners are not all told yet. */
  learnersAwaitingBulkRequests(finishedAfter: Date, limit: number): Promise<BulkRequest[]>;
  /** Records that every learner of the job was told (or could not be); null when another process did it first. */
  markLearnersTold(id: string, at: Date, told: { sent: number; noAccount: number; failed: number }): Promise<BulkRequest | null>;
  /** Jobs approved or running, newest first. */
  listActiveBulkRequests(limit: number): Promise<BulkRequest[]>;
  /** Approved changes waiting for their "apply at", soonest first. */
  listScheduledBulkRequests(limit: number): Promise<BulkRequest[]>;
  /** Jobs finished within the window whose notice is unposted and unclaimed since `claimedBefore`. */
  unnoticedBulkRequestIds(window: { finishedAfter: Date; finishedBefore: Date; claimedBefore: Date }, limit: number): Promise<string[]>;
  /**
   * Approved requests decided (or, when scheduled, due) before `before`, and running ones not
   * updated since then.
   */
  stalledBulkRequestIds(before: Date, limit: number): Promise<string[]>;
  /**
   * With a quorum: adds `by`'s approval to a pending request before its deadline, unless they
   * approved already, and approves it when the quorum is reached. Null when nothing was recorded.
   */
  recordBulkApproval(id: string, by: string, now: Date): Promise<BulkRequest | null>;
  /** Pending requests whose reminder is due and not yet sent, oldest first. */
  dueBulkReminderIds(now: Date, limit: number): Promise<string[]>;
  /** Takes the right to remind: once per request. Null when it was taken (or the request is decided). */
  claimBulkReminder(id: string, now: Date): Promise<BulkRequest | null>;
  /** Overdue pending requests that were never escalated, oldest first. */
  overdueUnescalatedBulkRequestIds(now: Date, limit: number): Promise<string[]>;
  /** pending, overdue and never escalated → escalated with a fresh deadline; null when not (someone got there first). */
  escalateBulkRequest(id: string, to: EscalationTarget, expiresAt: Date, now: Date): Promise<BulkRequest | null>;
  setEscalationMessages(id: string, refs: readonly MessageRef[]): Promise<void>;
  /** running → failed with a code and a sentence, before any batch ran (a scheduled change short of seats). */
  failBulkRequestAtStart(id: string, code: string, detail: string, now: Date): Promise<BulkRequest | null>;
  /** Most recent requests first. */
  listBulkRequests(limit: number): Promise<BulkRequest[]>;
  /**
   * Marks `id` as undone by `undoId`, only if it has no undo yet or its undo is `replacing` (one
   * that was rejected or expired); false when another undo got there first.
   */
  claimUndo(id: string, undoId: string, replacing: string | null): Promise<boolean>;
  /** Finished reclaim jobs since `after`, for the seat report and the weekly summary. */
  reclaimJobsFinishedSince(after: Date, limit: number): Promise<BulkRequest[]>;
  /** Requests awaiting approval that have not expired, soonest deadline first. */
  listPendingBulkRequests(now: Date, limit: number): Promise<BulkRequest[]>;
}

/** A team lead added from Slack; `groups` empty means any group. */
export interface LeadRecord {
  userId: string;
  groups: string[];
  addedBy: string;
  addedAt: Date;
}

/** Team leads added from Slack (leads from LICENSE_APPROVERS are not stored). */
export interface LeadStore {
  getLead(userId: string): Promise<LeadRecord | null>;
  /** Inserts or replaces the lead's groups; returns 'added' or 'updated'. */
  upsertLead(record: LeadRecord): Promise<'added' | 'updated'>;
  removeLead(userId: string): Promise<boolean>;
  listLeads(): Promise<LeadRecord[]>;
}

/**
 * A bulk form between its filter step and its submission. Slack's private_metadata holds 3,000
 * characters, too few for a pasted list of emails, so the form carries only the draft's id.
 */
export interface BulkDraft {
  id: string;
  requestedBy: string;
  channelId?: string;
  selection: BulkSelectionInput;
  change: AdminChange;
  reason: string;
  createdAt: Date;
  /** "Apply at" and "until" from the form, already in UTC. */
  timing?: Timing;
}

export interface BulkDraftStore {
  saveDraft(draft: Omit<BulkDraft, 'id'>): Promise<BulkDraft>;
  /** The draft, only for the user who made it. */
  getDraft(id: string, requestedBy: string): Promise<BulkDraft | null>;
}

/** What the bulk use cases need on top of the licensing services. */
export interface BulkDeps extends LicensingDeps {
  bulk: BulkStore;
  leads: LeadStore;
  drafts: BulkDraftStore;
  /** Leads from LICENSE_APPROVERS: may approve any request. */
  configApprovers: readonly string[];
  /** Requests changing more learners than this need a lead's approval. */
  bulkApprovalThreshold: number;
  approvalTtlHours: number;
  /** Learners per operation; 1,000 unless a test wants smaller batches. */
  bulkBatchSize?: number;
  /** Reminders, escalation and quorum (licensing/policy/). */
  approvalPolicy?: ApprovalPolicy;
  /** Schedules the timers of approvals and grants (jobs/); the minutely sweep covers a missing one. */
  timers?: TimerScheduler;
  /** MAX_GRANT_DAYS: the longest "until" of a change. */
  maxGrantDays?: number;
}

/** One learner the job could not change, for the failure report. */
export interface BulkFailure {
  learnerId: string;
  email: string;
  code: string;
  batch: number;
}

/** Counts reported after each batch. */
export interface BulkProgressCounts {
  done: number;
  total: number;
  skipped: number;
  failed: number;
}

/** What a job did, once it reached a final state. */
export interface BulkSummary extends BulkProgressCounts {
  requestId: string;
  status: BulkStatus;
  startedAt?: Date;
  finishedAt?: Date;
  failureCode?: string;
  /** The failure in a sentence with its numbers (a scheduled change short of seats). */
  failureDetail?: string;
}

/**
 * How bulk jobs tell people what happened; the Slack layer implements it (posting to the
 * request's channel and the approval message), tests record the calls.
 */
export interface BulkNotifier {
  /** After each batch; called often, so implementations throttle. */
  progress(request: BulkRequest, counts: BulkProgressCounts): Promise<void>;
  /**
   * Once per job, when it reached a final state: posts the completion notice and says where it
   * went. What must come after the notice (the failures CSV in its thread, the requester's DM) is
   * returned as `followUp`, run only once the post is recorded, so a second poster never repeats it.
   */
  finished(
    request: BulkRequest,
    summary: BulkSummary,
    failures: AsyncIterable<BulkFailure>,
  ): Promise<{ ts?: string; channel?: string; followUp?: () => Promise<void> } | undefined>;
  /** The learning platform has every change of the job: the completion notice says so. */
  syncCaughtUp?(request: BulkRequest): Promise<void>;
  /** Every learner of the job was told in a DM (or has no Slack account): the completion notice says how many. */
  learnersTold?(request: BulkRequest): Promise<void>;
  /** A request nobody approved in time. */
  expired(request: BulkRequest): Promise<void>;
}
