import { type Clock, type Pacer, realClock } from './pacer.js';
import type { NoticeCounts, NoticeDeps, NoticeItem, NoticeOutcome, NoticeSender, NoticeState, QueuedNotice, SendResult } from './ports.js';

/** Queues DMs; an item whose key was queued before (sent or not) is left as it is. */
export async function enqueueNotices(deps: NoticeDeps, items: readonly NoticeItem[]): Promise<void> {
  if (items.length) await deps.notices.enqueueNotices(items, deps.now());
}

/** How the notices of one source (a bulk job, one change, …) stand. */
export async function noticeCounts(deps: Pick<NoticeDeps, 'notices'>, source: string): Promise<NoticeCounts> {
  return deps.notices.noticeCounts(source);
}

/** Withdraws queued notices that no longer apply (by key prefix, except keys containing `except`); returns how many. */
export async function withdrawNotices(deps: NoticeDeps, match: { prefix: string; except?: string }): Promise<number> {
  return deps.notices.withdrawNotices(match, deps.now());
}

/** Where each of these notices stands (a feature reading who got its DM, or who has no Slack account). */
export async function noticeStates(deps: Pick<NoticeDeps, 'notices'>, keys: readonly string[]): Promise<Map<string, NoticeState>> {
  return keys.length ? deps.notices.noticeStates(keys) : new Map();
}

export interface DrainOptions {
  /** The process's pacer: every Web API call of the queue waits for it. */
  pacer: Pacer;
  /** Notices leased at a time; by default about ten seconds' worth at the pace (1 to 100). */
  batchSize?: number;
  /** How long a lease lasts; by default a minute, or three times a batch's worth at the pace if longer. */
  leaseMs?: number;
  /** The run returns after this long (the job runs again), so it never holds Agenda's lock for hours. */
  maxRunMs?: number;
  /** Sends in flight at once (their starts are still spaced by the pacer). */
  concurrency?: number;
  /** Attempts before a notice that keeps failing is given up. */
  maxAttempts?: number;
  /** Called between batches: the Agenda job renews its lock. Throwing stops the run. */
  heartbeat?(): Promise<void>;
  /** True when the process is stopping: the run gives back what it has not started. */
  stopping?(): boolean;
  clock?: Clock;
}

/** What one run did. */
export interface DrainSummary {
  sent: number;
  noAccount: number;
  failed: number;
  /** Past their `expiresAt` before a send began: not sent. */
  withdrawn: number;
  retried: number;
  rateLimited: number;
  /** Sources of the notices that reached a final state in this run. */
  settledSources: Set<string>;
}

const MAX_BATCH = 100;
const MIN_LEASE_MS = 60_000;

/**
 * Sends due notices, paced, until none is due or `maxRunMs` has passed. Each notice is leased
 * before it is touched and marked as being sent before the Slack call, so after a crash the next
 * drainer looks in the recipient's DM for it instead of sending it twice. A 429 pauses every call
 * for its Retry-After and puts the notice back without counting an attempt; other failures are
 * retried with growing delays, then given up. A notice past its `expiresAt` is withdrawn, not sent.
 */
export async function drainNotices(deps: NoticeDeps, sender: NoticeSender, options: DrainOptions): Promise<DrainSummary> {
  const clock = options.clock ?? realClock;
  const { pacer } = options;
  const batchSize = options.batchSize ?? Math.min(MAX_BATCH, Math.max(1, Math.ceil(10_000 / pacer.intervalMs)));
  const leaseMs = options.leaseMs ?? Math.max(MIN_LEASE_MS, 3 * batchSize * pacer.intervalMs);
  const maxRunMs = options.maxRunMs ?? 50_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxAttempts = options.maxAttempts ?? 8;
  const summary: DrainSummary = {
    sent: 0,
    noAccount: 0,
    failed: 0,
    withdrawn: 0,
    retried: 0,
    rateLimited: 0,
    settledSources: new Set(),
  };
  const started = clock.now();
  const pace = () => pacer.wait();

  const attempt = async (notice: QueuedNotice, token: string): Promise<{ result: SendResult; verified: boolean } | null> => {
    if (notice.sendingSince) {
      const found = await sender.findSent(notice, pace);
      if (found) return { result: found, verified: true };
    }
    if (!(await deps.notices.markNoticeSending(notice.key, token, deps.now()))) return null;
    try {
      return { result: await sender.send(notice, pace), verified: false };
    } catch (error) {
      // An adapter bug or an unexpected answer: treated like an outage, looked for before the next try.
      return { result: { kind: 'retry', reason: error instanceof Error ? error.message : String(error) }, verified: false };
    }
  };

  const handle = async (notice: QueuedNotice, token: string): Promise<void> => {
    // Its moment has passed (and no earlier send may have reached Slack): it says nothing true any more.
    if (notice.expiresAt && notice.expiresAt.getTime() <= deps.now().getTime() && !notice.sendingSince) {
      await deps.notices.recordNoticeOutcome(notice.key, token, { kind: 'withdrawn', reason: 'expired before it was sent' }, deps.now());
      summary.withdrawn += 1;
      summary.settledSources.add(notice.source);
      return;
    }
    const attempted = await attempt(notice, token);
    if (!attempted) return;
    const { result, verified } = attempted;
    const outcome = outcomeOf(result, notice, { maxAttempts, now: deps.now(), verifying: verified });
    if (result.kind === 'rate_limited') {
      pacer.pauseFor(result.retryAfterMs);
      summary.rateLimited += 1;
    }
    await deps.notices.recordNoticeOutcome(notice.key, token, outcome, deps.now());
    if (outcome.kind === 'sent') summary.sent += 1;
    else if (outcome.kind === 'no_account') summary.noAccount += 1;
    else if (outcome.kind === 'failed') summary.failed += 1;
    else summary.retried += 1;
    if (outcome.kind !== 'retry') summary.settledSources.add(notice.source);
  };

  while (clock.now() - started < maxRunMs && !options.stopping?.()) {
    await options.heartbeat?.();
    const claimed = await deps.notices.claimDueNotices(deps.now(), batchSize, leaseMs);
    if (claimed.notices.length === 0) break;
    await sender.prepare?.(claimed.notices);
    const waiting = [...claimed.notices];
    const worker = async () => {
      for (let notice = waiting.shift(); notice; notice = waiting.shift()) {
        if (options.stopping?.()) return;
        await handle(notice, claimed.token);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, waiting.length) }, worker));
    } finally {
      // Whatever was not started (stopping, or a failure) goes back to the queue at once.
      await deps.notices.releaseNotices(claimed.token);
    }
  }
  return summary;
}

/** What a send's result means for the notice. */
function outcomeOf(result: SendResult, notice: QueuedNotice, ctx: { maxAttempts: number; now: Date; verifying: boolean }): NoticeOutcome {
  switch (result.kind) {
    case 'sent':
    case 'no_account':
    case 'failed':
      return result;
    case 'rate_limited':
      return {
        kind: 'retry',
        reason: 'rate limited by Slack',
        nextAttemptAt: new Date(ctx.now.getTime() + result.retryAfterMs),
        countAttempt: false,
        // A 429 on the send means Slack did nothing; on the look-up of an earlier send, that send is still in doubt.
        mayHaveSent: ctx.verifying,
      };
    case 'retry': {
      const attempts = notice.attempts + 1;
      if (attempts >= ctx.maxAttempts) return { kind: 'failed', reason: `gave up after ${attempts} attempts: ${result.reason}` };
      return {
        kind: 'retry',
        reason: result.reason,
        nextAttemptAt: new Date(ctx.now.getTime() + backoffMs(attempts)),
        countAttempt: true,
        // A timeout or a 5xx may still have posted the message.
        mayHaveSent: true,
      };
    }
  }
}

/** 5 s, 10 s, 20 s, … up to 10 minutes. */
function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** (attempts - 1), 10 * 60_000);
}
