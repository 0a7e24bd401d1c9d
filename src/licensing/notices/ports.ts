import type { LicensingDeps } from '../deps.js';

/**
 * Ports of the notice queue: the one way the bot sends direct messages to people one by one, in
 * bulk (learners told of their license changes and request decisions, time-bound grants' warnings
 * to learners and admins, reclaim's Keep / Release questions, and whatever later features need),
 * queued in the database and sent by one paced drainer. Sent once per key: across retries,
 * crashes and several bot processes.
 *
 * To send something: add a member to `NoticeContent` (plain data, no Slack), a case to the Slack
 * builder that renders it (slack/views/learner-notice.ts), and call `enqueueNotices` with a key
 * that names the one event the message is about.
 */

/** Who gets the DM: a Slack user, or whoever has this email in Slack (looked up and cached). */
export type NoticeRecipient = { slackUserId: string } | { email: string };

/** A learner's licenses changed (by an admin, a bulk job or a workflow step). License types are keys. */
export interface LicenseChangedNotice {
  kind: 'license_changed';
  before: string[];
  after: string[];
  /** Who made the change: the person the learner can ask about it. */
  changedBy: string;
  reason: string;
  at: Date;
}

/** A learner's own license request was decided. */
export interface LicenseRequestDecidedNotice {
  kind: 'license_request_decided';
  outcome: 'approved' | 'denied' | 'failed';
  licenseType: string;
  decidedBy: string;
  /** What the learner holds now (type keys). */
  licenses: string[];
  /** The denial reason, or why approving failed (an error code). */
  reason?: string;
}

/** What an Extend (or "Ask for more time") button acts on: one grant, or every active grant of a bulk request. */
export type NoticeGrantTarget = { grantId: string } | { requestId: string };

/**
 * A time-bound license ends soon (7 days and 1 day before, or at half the time). To the learner,
 * with "Ask for more time"; to the admin who granted it — one learner, or a bulk change's learners
 * together — with Extend (all). License types are keys.
 */
export interface GrantEndingNotice {
  kind: 'grant_ending';
  audience: 'learner' | 'admin';
  endsAt: Date;
  /** Types taken back at the end, and those given back (what a reassignment replaced). */
  taken: string[];
  returned: string[];
  /** The learner, or the first few of a bulk change's learners; `count` is how many end. */
  learners: { name: string; email: string }[];
  count: number;
  target: NoticeGrantTarget;
}

/** To the admin who granted it: a grant ended on time, but what it replaced had no free seat to give back. */
export interface GrantEndedWithoutReturnNotice {
  kind: 'grant_ended_without_return';
  endsAt: Date;
  taken: string[];
  returned: string[];
  learner: { name: string; email: string };
}

/** An ask-first reclaim round asks an idle learner: Keep my license / Release it, before `graceEndsAt`. */
export interface ReclaimAskNotice {
  kind: 'reclaim_ask';
  roundId: string;
  learnerId: string;
  learnerName: string;
  licenseType: string;
  graceEndsAt: Date;
}

/** What a notice says, as data; the Slack layer renders it with a pure builder when it sends it. */
export type NoticeContent =
  | LicenseChangedNotice
  | LicenseRequestDecidedNotice
  | GrantEndingNotice
  | GrantEndedWithoutReturnNotice
  | ReclaimAskNotice;

/** One message to queue. */
export interface NoticeItem {
  /** The idempotency key: one DM per key, ever. Name the event, e.g. `<opId>:<learnerId>`. */
  key: string;
  /** What the counts are kept by: `bulk:<requestId>` for a bulk job's learners, `op:<opId>`, … */
  source: string;
  to: NoticeRecipient;
  notice: NoticeContent;
  /**
   * Not sent from this moment on (a warning about an end that has come, a question whose time to
   * answer is over): the drainer withdraws it instead.
   */
  expiresAt?: Date;
}

/** A notice the drainer holds (leased): what to send, and how earlier attempts went. */
export interface QueuedNotice extends NoticeItem {
  attempts: number;
  enqueuedAt: Date;
  /** Set when a send began; if the lease then lapsed, that send may have reached Slack. */
  sendingSince?: Date;
}

/** A batch of notices leased by one drainer; `token` proves the lease when outcomes are written. */
export interface ClaimedNotices {
  token: string;
  notices: QueuedNotice[];
}

/** How one notice ended (or when to try it again). */
export type NoticeOutcome =
  | { kind: 'sent'; slackUserId: string; channel: string; ts: string }
  /** Nobody in Slack has the email (or the account is deactivated): counted, never retried. */
  | { kind: 'no_account'; reason: string }
  /**
   * Not sent (as far as we know); try again at `nextAttemptAt`. `countAttempt: false` for a 429
   * (Slack refused before doing anything). `mayHaveSent`: the call may have reached Slack (a
   * timeout), so the next attempt looks for the message before sending it again.
   */
  | { kind: 'retry'; reason: string; nextAttemptAt: Date; countAttempt: boolean; mayHaveSent: boolean }
  | { kind: 'failed'; reason: string }
  /** Not sent, and never will be: past its `expiresAt`, or withdrawn by the feature that queued it. */
  | { kind: 'withdrawn'; reason: string };

/** Where one notice stands: `sent` names the Slack user it went to. */
export type NoticeState =
  | { state: 'queued' }
  | { state: 'sent'; slackUserId: string }
  | { state: 'no_account' }
  | { state: 'failed' }
  | { state: 'withdrawn' };

/** How the notices of one source stand. */
export interface NoticeCounts {
  /** Queued or being sent. */
  waiting: number;
  sent: number;
  noAccount: number;
  failed: number;
  /** Not sent because they no longer applied (expired, or withdrawn). */
  withdrawn: number;
}

/** The queue, in the database; several drainers may share it through leases. */
export interface NoticeStore {
  /** Adds the items whose key is new; a key already queued, sent or given up keeps its state. */
  enqueueNotices(items: readonly NoticeItem[], now: Date): Promise<void>;
  /** Leases up to `limit` due notices (queued and due, or leased by a drainer whose lease ran out), oldest first. */
  claimDueNotices(now: Date, limit: number, leaseMs: number): Promise<ClaimedNotices>;
  /** Records that a send begins now; false when the lease was lost (another drainer has the notice). */
  markNoticeSending(key: string, token: string, now: Date): Promise<boolean>;
  /** Writes a leased notice's outcome; ignored when the lease was lost. */
  recordNoticeOutcome(key: string, token: string, outcome: NoticeOutcome, now: Date): Promise<void>;
  /** Gives back the notices of a lease that were not started (the drainer is stopping). */
  releaseNotices(token: string): Promise<void>;
  noticeCounts(source: string): Promise<NoticeCounts>;
  /** Where each of these notices stands, by key; a key never queued is absent. */
  noticeStates(keys: readonly string[]): Promise<Map<string, NoticeState>>;
  /**
   * Withdraws the queued notices whose key starts with `prefix` — except those whose key contains
   * `except` — that no send has begun for: they are never sent. Returns how many.
   */
  withdrawNotices(match: { prefix: string; except?: string }, now: Date): Promise<number>;
}

/** How the Slack side answered one send. */
export type SendResult =
  | { kind: 'sent'; slackUserId: string; channel: string; ts: string }
  | { kind: 'no_account'; reason: string }
  /** HTTP 429: nothing was done; no call may go out before `retryAfterMs` has passed. */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Slack or the network failed (5xx, timeout): worth another try later. */
  | { kind: 'retry'; reason: string }
  /** Will not heal by retrying (the message was refused). */
  | { kind: 'failed'; reason: string };

/** Sends notices; the Slack layer implements it (users.lookupByEmail, chat.postMessage). */
export interface NoticeSender {
  /** Called with each leased batch before any of it is sent: a chance to read what the batch needs at once. */
  prepare?(notices: readonly QueuedNotice[]): Promise<void>;
  /**
   * Sends one notice, looking its recipient up first when needed. `pace` must be awaited before
   * every Web API call: it is what keeps the queue under its rate.
   */
  send(notice: QueuedNotice, pace: () => Promise<void>): Promise<SendResult>;
  /**
   * For a notice whose earlier send may have reached Slack (its drainer died during the call):
   * the message if it is in the recipient's DM, null if it is not (then it is sent).
   */
  findSent(notice: QueuedNotice, pace: () => Promise<void>): Promise<SendResult | null>;
}

/** What the notice use cases need. */
export interface NoticeDeps extends Pick<LicensingDeps, 'now'> {
  notices: NoticeStore;
}
