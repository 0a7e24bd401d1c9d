import { connectDatabase, type Database, openRepositories, type Repositories } from '../src/db/index.js';
import type { BulkDeps, BulkRequest } from '../src/licensing/bulk/ports.js';
import { submitBulkRequest } from '../src/licensing/bulk/requests.js';
import { ids } from '../src/slack/ids.js';
import type { FakeSlack, SlackCall } from '../test/support/fake-slack.js';
import { blockActionsPayload, sendInteraction } from '../test/support/slack-requests.js';
import { BENCH_GROUP, FROM_TYPE, TO_TYPE } from './seed.js';

export const SIGNING_SECRET = 'bench-signing-secret-0123456789';
export const ADMIN = 'UBENCHADMIN';
export const LEAD = 'UBENCHLEAD';
export const CHANNEL = 'CBENCH';

/** The product's services over a bench database, as the app wires them (for submitting requests). */
export async function openBenchDeps(uri: string, dbName: string): Promise<{ db: Database; deps: BulkDeps & Repositories }> {
  const db = await connectDatabase({ uri, dbName });
  const deps: BulkDeps & Repositories = {
    ...(await openRepositories(db.connection)),
    configAdmins: [ADMIN],
    processId: `bench:${process.pid}`,
    now: () => new Date(),
    configApprovers: [LEAD],
    bulkApprovalThreshold: 25,
    approvalTtlHours: 72,
  };
  return { db, deps };
}

/** Submits "every Bench learner on `from` → `to`" as the admin; it waits for a lead's approval. */
export async function submitReassignment(deps: BulkDeps, from: string = FROM_TYPE, to: string = TO_TYPE): Promise<BulkRequest> {
  const { request, needsApproval } = await submitBulkRequest(
    deps,
    { userId: ADMIN, source: 'slack', channelId: CHANNEL },
    {
      selection: { groups: [BENCH_GROUP], licenseTypes: [from], status: 'active' },
      change: { kind: 'reassign', from, to },
      reason: `bench: move everyone to ${to}`,
    },
  );
  if (!needsApproval) throw new Error('the bench request should need approval');
  return request;
}

/** What one job did, measured from the lead's Approve click to the completion notice. */
export interface JobRun {
  learners: number;
  /** Approve click → completion notice posted (the user-visible duration). */
  seconds: number;
  /** startedAt → finishedAt as the job recorded them (without the Agenda pickup). */
  jobSeconds: number;
  perSec: number;
  slackCalls: number;
  slackCallsByMethod: Record<string, number>;
  progressUpdates: number;
  /** When the completion notice arrived (ms since the epoch). */
  noticeAt: number;
}

/**
 * Approves `request` with a signed Approve click from the lead (the real Slack path: the
 * handler posts the progress message and schedules the Agenda job), then waits for the
 * completion notice. `during` runs once the job is under way (the ack load).
 */
export async function approveAndWait(
  input: {
    baseUrl: string;
    slack: FakeSlack;
    deps: BulkDeps;
    request: BulkRequest;
    timeoutMs: number;
    /** Runs right after the fake Slack is reset (its users, say). */
    prepare?: (slack: FakeSlack) => void;
  },
  during?: () => Promise<void>,
): Promise<JobRun> {
  const { baseUrl, slack, deps, request } = input;
  slack.reset();
  input.prepare?.(slack);
  const started = performance.now();
  const click = await sendInteraction(
    baseUrl,
    SIGNING_SECRET,
    blockActionsPayload({
      user_id: LEAD,
      channel_id: CHANNEL,
      response_url: slack.responseUrl(),
      actions: [{ action_id: ids.bulkRequest.approve, block_id: 'bulk_request_actions', value: JSON.stringify({ requestId: request.id }) }],
    }),
  );
  if (click.status !== 200) throw new Error(`Approve answered HTTP ${click.status}`);
  const isNotice = (call: SlackCall) =>
    call.body.channel === CHANNEL && /^Bulk license change (completed|cancelled|failed)/.test(String(call.body.text));
  const notice = slack.waitFor('chat.postMessage', isNotice, input.timeoutMs);
  let load: Promise<void> | undefined;
  if (during) {
    // Start the load once the job has really begun (its first progress edit).
    load = slack.waitFor('chat.update', () => true, input.timeoutMs).then(() => during());
    // Its failure is reported below, after the notice; until then it must not count as unhandled.
    load.catch(() => undefined);
  }
  const posted = await notice;
  const noticeAt = Date.now();
  const seconds = (performance.now() - started) / 1000;
  if (load) await load;
  if (!String(posted.body.text).startsWith('Bulk license change completed'))
    throw new Error(`the job did not complete: ${String(posted.body.text)}`);
  // Let the calls that follow the notice (the requester's DM) arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const done = await deps.bulk.getBulkRequest(request.id);
  if (!done?.startedAt || !done.finishedAt) throw new Error('the finished request has no start or finish time');
  const learners = done.progress.done;
  const calls = slack.calls.filter((call) => call.method !== 'response_url');
  const byMethod: Record<string, number> = {};
  for (const call of calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
  return {
    learners,
    seconds,
    jobSeconds: (done.finishedAt.getTime() - done.startedAt.getTime()) / 1000,
    perSec: learners / seconds,
    slackCalls: calls.length,
    slackCallsByMethod: byMethod,
    progressUpdates: calls.filter((call) => call.method === 'chat.update').length,
    noticeAt,
  };
}
