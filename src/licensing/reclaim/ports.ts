import type { BulkDeps, BulkSelection } from '../bulk/ports.js';
import type { BulkSubmission } from '../bulk/requests.js';
import type { AdminChange, Learner } from '../model.js';
import type { NoticeDeps } from '../notices/ports.js';
import type { UsageStore } from '../usage/ports.js';
import type { ReclaimSummary } from './reclaim.js';

/** RECLAIM_* and SEAT_PRICE_<TYPE>, as the config gives them. */
export interface ReclaimSettings {
  /** Idle for more than this many days (or never started) makes a holder a candidate. */
  idleDays: number;
  /** Ask the learners (Keep / Release) before reclaiming. */
  askFirst: boolean;
  graceDays: number;
  /** How long Keep exempts a learner from reclaim. */
  cooldownDays: number;
  excludeGroups: readonly string[];
  excludeEmails: readonly string[];
  /** Yearly price of one seat, by license type key. */
  seatPrices: ReadonlyMap<string, number>;
}

export type RoundStatus = 'asking' | 'submitting' | 'submitted' | 'nothing_left' | 'failed';

/** An ask-first reclaim: the learners were asked, and after the grace period the silent ones are reclaimed. */
export interface ReclaimRound {
  id: string;
  type: string;
  change: AdminChange;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  idleBefore: Date;
  graceEndsAt: Date;
  status: RoundStatus;
  /** Learners asked; `sent`, `noSlack` and `failed` count their DMs as the notice queue settles them. */
  asked: number;
  sent: number;
  noSlack: number;
  failed: number;
  kept: number;
  released: number;
  /** The bulk request made for the silent learners at the end of the grace period. */
  requestId?: string;
  failureCode?: string;
}

/**
 * What the notice queue did with one learner's question: the DM went out (to this Slack user, the
 * only one who may answer it), they have no Slack account, or Slack refused it for good. All three
 * stay `asked` (silent) until they answer, and are reclaimed at the end of the grace period.
 */
export type ReclaimAskResult =
  | { learnerId: string; outcome: 'sent'; slackUserId: string }
  | { learnerId: string; outcome: 'no_slack' }
  | { learnerId: string; outcome: 'failed' };

/** Where a learner's latest question stands: its round, its DM (pending → queued → sent / no_slack / failed), their answer. */
export interface ReclaimAskState {
  round: string;
  dm: 'pending' | 'queued' | 'sent' | 'no_slack' | 'failed';
  state: string;
  slackUserId?: string;
}

/** Persistence of reclaim rounds and of each learner's answer; implemented by db/. */
export interface ReclaimStore {
  createRound(round: Omit<ReclaimRound, 'id'>): Promise<ReclaimRound>;
  getRound(id: string): Promise<ReclaimRound | null>;
  /** Marks every learner matching the round's selection as asked (DM pending); returns how many. */
  markAsked(roundId: string, learnerFilter: BulkSelection, at: Date): Promise<number>;
  /** Learners of the round whose question is still to be queued, in id order. */
  pendingAsks(roundId: string, limit: number): Promise<Learner[]>;
  /** Their questions are on the notice queue: pending → queued. */
  markAsksQueued(roundId: string, learnerIds: readonly string[]): Promise<void>;
  /** Ids of the round's learners whose queued question has no recorded outcome yet, in id order, after `afterId`. */
  queuedAsks(roundId: string, limit: number, afterId?: string): Promise<string[]>;
  /** Records what became of queued questions (queued → sent / no_slack / failed) and counts them on the round, once each. */
  recordAsks(roundId: string, results: readonly ReclaimAskResult[]): Promise<void>;
  /**
   * Records a learner's answer, only while they are still `asked` in this round and the Slack
   * user is the one who was asked; null otherwise.
   */
  answerAsk(
    roundId: string,
    learnerId: string,
    slackUserId: string,
    answer: { state: 'kept' | 'released'; at: Date; exemptUntil?: Date },
  ): Promise<Learner | null>;
  /** Idle holders of a reclaim selection, and those among them who never started: counted by the database. */
  countCandidates(selection: BulkSelection): Promise<{ idle: number; neverStarted: number }>;
  /** The latest ask of a learner (which round, where its DM stands, which Slack user it went to). */
  askOf(learnerId: string): Promise<ReclaimAskState | null>;
  /** Asking rounds whose grace period is over, oldest first. */
  dueRounds(now: Date, limit: number): Promise<string[]>;
  /** Moves a round from one status to the next; null when it was not in `from`. */
  moveRound(
    id: string,
    from: RoundStatus,
    to: RoundStatus,
    extra?: { requestId?: string; failureCode?: string },
  ): Promise<ReclaimRound | null>;
  /** Rounds still asking (for the summary). */
  openRounds(limit: number): Promise<ReclaimRound[]>;
  /** Seats released by learners from rounds created since `after`, per license type. */
  releasedSince(after: Date): Promise<Map<string, number>>;
}

/** What reclaim needs on top of the bulk machinery; its questions go through the notice queue. */
export interface ReclaimDeps extends BulkDeps, Pick<NoticeDeps, 'notices'> {
  reclaim: ReclaimStore;
  usage: UsageStore;
  reclaimSettings: ReclaimSettings;
}

/** How reclaim tells people what happened; the Slack layer implements it. */
export interface ReclaimNotifier {
  /** A round's grace period ended: announce the request made for the silent learners (approval or job), or why there is none. */
  roundClosed(closed: { round: ReclaimRound; submission?: BulkSubmission; code?: string }): Promise<void>;
  /** The weekly summary (REPORT_CHANNEL_ID). */
  weeklySummary(summary: ReclaimWeek): Promise<void>;
}

/** The weekly summary: idle seats now, and what was reclaimed in the last seven days. */
export interface ReclaimWeek {
  idle: ReclaimSummary;
  reclaimed: { type: string; name: string; seats: number; value: number | null }[];
  since: Date;
}
