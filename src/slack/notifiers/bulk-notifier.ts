import { webApi } from '@slack/bolt';
import { stringify } from 'csv-stringify/sync';
import type { BulkDeps, BulkFailure, BulkNotifier, BulkProgressCounts, BulkRequest, BulkSummary } from '../../licensing/bulk/ports.js';
import { bulkChangedLearners, bulkFailures, bulkProgressCounts, bulkSource } from '../../licensing/bulk/runner.js';
import type { NoticeDeps } from '../../licensing/notices/ports.js';
import { spreadsheetSafe } from '../../licensing/transfer/export.js';
import { undoOffered } from '../../licensing/undo/undo.js';
import type { Logger } from '../../logger.js';
import type { HomePublisher } from '../support/home-publisher.js';
import { postToChannelOrUser, replyInThread, tellUser } from '../support/post.js';
import { buildNotice } from '../views/blocks.js';
import {
  buildApprovalMessage,
  buildCompletionNotice,
  buildDecisionReply,
  buildJobOutcomeReply,
  buildProgressMessage,
  FAILURES_LISTED,
  failureSentence,
  type LearnersToldLine,
  type PlatformSyncLine,
} from '../views/bulk-messages.js';

interface Pending {
  request: BulkRequest;
  counts: BulkProgressCounts;
  /** The job's final state: the one edit that is never dropped for a newer one. */
  final?: boolean;
}

/** How often the final progress edit is tried before it is given up (the notice carries the outcome anyway). */
const FINAL_EDIT_ATTEMPTS = 30;
const MAX_EDIT_BACKOFF_MS = 60_000;

/**
 * Bulk-job notices in Slack. Progress edits are coalesced: at most one chat.update per
 * `minIntervalMs` per job, only the latest counts are sent, and a 429's Retry-After pushes the
 * next edit back, so Slack calls grow with time, not with the number of learners. Edits go
 * through a client that never retries on its own: a failed edit is outdated by the next one, and
 * the completion notice never waits behind one.
 */
export function createSlackBulkNotifier(input: {
  client: webApi.WebClient;
  deps: BulkDeps & Pick<NoticeDeps, 'notices'>;
  logger: Logger;
  minIntervalMs?: number;
  /** A learning platform is synced: notices say whether it has the job's changes yet. */
  syncEnabled?: boolean;
  /** UNDO_WINDOW_DAYS: finished jobs' notices offer Undo (0: never). */
  undoWindowDays?: number;
  /**
   * Admins' and leads' Homes show the jobs: refreshed (coalesced) as they progress. The Homes of
   * the learners a job changed are refreshed once it has finished.
   */
  homes?: Pick<HomePublisher, 'staffChanged' | 'learnerBatchesChanged'>;
}): BulkNotifier & { flush(): Promise<void> } {
  const { client, deps, logger } = input;
  const staffChanged = () => input.homes?.staffChanged();
  const toldLine = async (request: BulkRequest): Promise<LearnersToldLine | undefined> => {
    if (!request.notifyLearners) return undefined;
    if (request.learnersTold) return { state: 'told', ...request.learnersTold };
    const counts = await deps.notices.noticeCounts(bulkSource(request.id));
    const total = counts.waiting + counts.sent + counts.noAccount + counts.failed + counts.withdrawn;
    return { state: 'telling', told: counts.sent, total };
  };
  /** The completion notice as it reads now (sync state, learners told), for an update after it was posted. */
  const updateCompletionNotice = async (request: BulkRequest) => {
    const channel = request.completionNoticeChannel ?? request.progressMessage?.channel ?? request.channelId;
    if (!request.completionNoticeTs || !channel) return;
    const first: BulkFailure[] = [];
    for await (const failure of bulkFailures(deps, request.id)) {
      first.push(failure);
      if (first.length >= FAILURES_LISTED) break;
    }
    const summary = summaryOf(request);
    // Undo stays offered until someone asks for it (then the notice says who did).
    const undo = !request.undoneBy && undoOffered({ undoWindowDays: input.undoWindowDays ?? 0, now: deps.now }, request);
    const told = await toldLine(request);
    const notice = buildCompletionNotice(request, summary, first, await names(), platformLine(request, summary), {
      undo,
      ...(told ? { told } : {}),
    });
    await client.chat.update({ channel, ts: request.completionNoticeTs, text: notice.text, blocks: notice.blocks });
  };
  const edits = new webApi.WebClient(client.token, {
    slackApiUrl: client.slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    // Failures are logged here, with the job they belong to.
    logLevel: webApi.LogLevel.ERROR,
  });
  const platformLine = (request: BulkRequest, summary: Pick<BulkSummary, 'done'>): PlatformSyncLine | undefined => {
    if (!input.syncEnabled || summary.done === 0) return undefined;
    return request.syncCaughtUpAt
      ? { state: 'in_sync', at: request.syncCaughtUpAt, refused: request.syncRefused ?? 0 }
      : { state: 'pending' };
  };
  const minIntervalMs = input.minIntervalMs ?? 3_000;
  const state = new Map<
    string,
    { nextAt: number; failures: number; pending?: Pending; done?: boolean; timer?: NodeJS.Timeout; inflight?: Promise<void> }
  >();

  const names = async () => new Map((await deps.store.listLicenseTypes()).map((t) => [t.key, t.name]));
  let closing = false;

  const send = async (id: string): Promise<void> => {
    const entry = state.get(id);
    if (!entry?.pending) return;
    const pending = entry.pending;
    entry.pending = undefined;
    const ref = pending.request.progressMessage;
    if (!ref) return;
    try {
      const message = buildProgressMessage(pending.request, pending.counts, await names());
      await edits.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      entry.failures = 0;
      entry.nextAt = Date.now() + minIntervalMs;
      if (pending.final) state.delete(id);
    } catch (error) {
      entry.failures += 1;
      const retryAfter = (error as { retryAfter?: number }).retryAfter;
      const backoff = Math.min(MAX_EDIT_BACKOFF_MS, minIntervalMs * 2 ** Math.min(entry.failures - 1, 10));
      entry.nextAt = Date.now() + Math.max(backoff, (retryAfter ?? 0) * 1000);
      // A failed edit is resent only if nothing newer waits; the final state is kept for a while.
      if (pending.final && !entry.pending && entry.failures < FINAL_EDIT_ATTEMPTS) entry.pending = pending;
      if (pending.final && entry.failures >= FINAL_EDIT_ATTEMPTS) state.delete(id);
      logger.warn('progress update failed; the next one will carry the latest counts', { requestId: id, error, retryAfter });
    }
  };

  const schedule = (id: string) => {
    const entry = state.get(id);
    if (closing || !entry || entry.timer || entry.inflight) return;
    const wait = Math.max(0, entry.nextAt - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.inflight = send(id).finally(() => {
        entry.inflight = undefined;
        if (entry.pending && state.get(id) === entry) schedule(id);
      });
    }, wait);
    entry.timer.unref?.();
  };

  return {
    async progress(request, counts) {
      const entry = state.get(request.id) ?? { nextAt: 0, failures: 0 };
      // Counts that arrive after the final state are older than it.
      if (entry.done) return;
      entry.pending = { request, counts };
      state.set(request.id, entry);
      schedule(request.id);
      staffChanged();
    },

    async finished(request, summary, failures: AsyncIterable<BulkFailure>) {
      const typeNames = await names();
      if (request.progressMessage) {
        // The final progress edit queues behind any edit in flight and goes out on its own time;
        // the notice below does not wait for it.
        const entry = state.get(request.id) ?? { nextAt: 0, failures: 0 };
        entry.pending = { request: { ...request, status: summary.status }, counts: summary, final: true };
        entry.done = true;
        state.set(request.id, entry);
        schedule(request.id);
      }
      // Stream the failures: the first ones go in the message, all of them in the CSV.
      const first: BulkFailure[] = [];
      const csv: string[] = [failureReportLine(['email', 'reason', 'code'])];
      for await (const failure of failures) {
        if (first.length < FAILURES_LISTED) first.push(failure);
        csv.push(failureReportLine([failure.email, failureSentence(failure.code), failure.code]));
      }
      const undo = undoOffered({ undoWindowDays: input.undoWindowDays ?? 0, now: deps.now }, request);
      const told = await toldLine(request);
      const notice = buildCompletionNotice(request, summary, first, typeNames, platformLine(request, summary), {
        undo,
        ...(told ? { told } : {}),
      });
      const channel = request.progressMessage?.channel ?? request.channelId;
      const posted = await postToChannelOrUser(client, channel, request.requestedBy, notice);
      staffChanged();
      const followUp = async () => {
        // Off the job's path and once per job (the follow-up runs once the notice is recorded): its
        // learners are walked a batch at a time and only those with a Home are published again.
        input.homes?.learnerBatchesChanged(bulkChangedLearners(deps, request.id));
        await replyInThread(client, request.approvalMessage, buildJobOutcomeReply(request, summary)).catch((error: unknown) =>
          logger.warn('could not reply in the approval thread', { requestId: request.id, error }),
        );
        if (csv.length - 1 > FAILURES_LISTED) {
          await client.files.uploadV2({
            channel_id: posted.channel,
            thread_ts: posted.ts,
            filename: `bulk-${request.id}-failures.csv`,
            title: `Failures of bulk change ${request.id}`,
            file: Buffer.from(csv.join(''), 'utf8'),
          });
        }
        if (posted.channel !== request.requestedBy && request.channelId !== request.requestedBy) {
          await tellUser(
            client,
            request.requestedBy,
            buildNotice(
              `Your bulk license change ${summary.status}: ${summary.done.toLocaleString('en-US')} changed, ${summary.failed.toLocaleString('en-US')} failed.`,
            ),
          ).catch((error: unknown) => logger.warn('could not tell the requester', { requestId: request.id, error }));
        }
      };
      return { ts: posted.ts, channel: posted.channel, followUp };
    },

    async syncCaughtUp(request) {
      await updateCompletionNotice(request);
    },

    async learnersTold(request) {
      await updateCompletionNotice(request);
    },

    async expired(request) {
      const typeNames = await names();
      const target = request.change.kind === 'revoke' ? null : await deps.store.getLicenseType(request.change.to);
      // The approval message and its escalated copies all lose their buttons.
      const message = buildApprovalMessage(request, typeNames, target);
      for (const ref of [...(request.approvalMessage ? [request.approvalMessage] : []), ...(request.escalationMessages ?? [])]) {
        await client.chat
          .update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks })
          .catch((error: unknown) => logger.warn('could not mark the approval message expired', { requestId: request.id, error }));
      }
      staffChanged();
      await replyInThread(client, request.approvalMessage, buildDecisionReply(request)).catch((error: unknown) =>
        logger.warn('could not reply in the approval thread', { requestId: request.id, error }),
      );
      await tellUser(
        client,
        request.requestedBy,
        buildNotice(
          `Your bulk license change (${request.preview.toChange.toLocaleString('en-US')} learners) expired: no team lead decided in time. Nothing was changed; submit it again with \`/license bulk\` if it is still needed.`,
        ),
      );
    },

    async flush() {
      // Shutting down: no edit is scheduled any more. A job's final state that waits for its turn
      // is sent now (once), or its progress message would read "running" for good; the counts of
      // a job still running are left to the process that resumes it.
      closing = true;
      await Promise.all([...state.values()].map((entry) => entry.inflight));
      const finals: Promise<void>[] = [];
      for (const [id, entry] of state) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
        if (entry.pending?.final) finals.push(send(id));
      }
      await Promise.all(finals);
    },
  };
}

function summaryOf(request: BulkRequest): BulkSummary {
  return {
    requestId: request.id,
    status: request.status,
    ...bulkProgressCounts(request),
    ...(request.startedAt ? { startedAt: request.startedAt } : {}),
    ...(request.finishedAt ? { finishedAt: request.finishedAt } : {}),
    ...(request.failureCode ? { failureCode: request.failureCode } : {}),
  };
}

/** One line of the failures CSV: RFC 4180 quoting, every cell spreadsheet-safe (emails stored long ago were checked less). */
export function failureReportLine(cells: readonly string[]): string {
  return stringify([cells.map(spreadsheetSafe)], { record_delimiter: 'unix' });
}
