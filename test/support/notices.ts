import { spawn } from 'node:child_process';
import path from 'node:path';
import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import type { Database, Repositories } from '../../src/db/index.js';
import { modelsFor } from '../../src/db/models/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import type { NoticeItem, NoticeSender, QueuedNotice, SendResult } from '../../src/licensing/notices/ports.js';
import { type DrainOptions, type DrainSummary, drainNotices } from '../../src/licensing/notices/queue.js';
import { createLogger } from '../../src/logger.js';
import { createSlackNoticeSender } from '../../src/slack/notifiers/notice-sender.js';
import type { FakeSlack, SlackCall } from './fake-slack.js';

/** A sender that records what it was asked and answers from a script (by default: sent). */
export interface RecordingSender extends NoticeSender {
  sent: QueuedNotice[];
  looked: QueuedNotice[];
  /** Answers for the next sends, in order; each is used once. */
  answers: SendResult[];
  /** What `findSent` answers (null: not found). */
  found?: (notice: QueuedNotice) => SendResult | null;
}

export function recordingSender(answers: SendResult[] = []): RecordingSender {
  const sender: RecordingSender = {
    sent: [],
    looked: [],
    answers,
    async send(notice, pace) {
      await pace();
      sender.sent.push(notice);
      const answer = sender.answers.shift();
      return answer ?? { kind: 'sent', slackUserId: 'U1', channel: 'D1', ts: `1700000000.${String(sender.sent.length).padStart(6, '0')}` };
    },
    async findSent(notice, pace) {
      await pace();
      sender.looked.push(notice);
      return sender.found?.(notice) ?? null;
    },
  };
  return sender;
}

/** `count` license-change notices of one source, to `email<i>@example.com`. */
export function someNotices(count: number, source = 'bulk:test', start = 0): NoticeItem[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${source}:${start + i}`,
    source,
    to: { email: `learner${start + i}@example.com` },
    notice: { kind: 'license_changed', before: ['core'], after: ['pro'], changedBy: 'UADMIN1', reason: 'renewal', at: new Date() },
  }));
}

/** The bot's Slack notice sender over a fake Slack: a client that does not retry by itself, as `createNoticeClient` makes it. */
export function fakeSlackNoticeSender(db: { repositories: Repositories }, slack: Pick<FakeSlack, 'apiUrl'>): NoticeSender {
  const client = new WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logLevel: WebLogLevel.ERROR,
  });
  return createSlackNoticeSender({
    client,
    identities: db.repositories.identities,
    store: db.repositories.store,
    now: () => new Date(),
    logger: createLogger('error', {}, () => undefined),
  });
}

/**
 * Sends what the notice queue holds into the fake Slack, as the `notices.send` job would (the
 * pace is fast unless given), until nothing is due by `now` (the tests' clock, if they move one).
 */
export async function deliverNotices(
  db: { repositories: Repositories },
  slack: Pick<FakeSlack, 'apiUrl'>,
  options: Partial<DrainOptions> & { now?: () => Date } = {},
): Promise<DrainSummary> {
  const { now = () => new Date(), ...drain } = options;
  return drainNotices({ notices: db.repositories.notices, now }, fakeSlackNoticeSender(db, slack), {
    pacer: createPacer(600_000),
    ...drain,
  });
}

/**
 * Runs a notice drainer in another process (test/support/notice-worker.ts) on the test database,
 * sending into the fake Slack at `pace` calls a minute, and kills it (kill -9) the moment
 * `killWhen` holds after one of its DMs; then lets its leases run out, as a minute would.
 */
export async function drainInProcessKilled(
  db: Database,
  slack: FakeSlack,
  options: { pace: number; killWhen: () => boolean; timeoutMs?: number },
): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/notice-worker.ts')], {
    env: { ...process.env, WORKER_DB_NAME: db.connection.name, WORKER_SLACK_API_URL: slack.apiUrl, WORKER_PACE: String(options.pace) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await slack.waitFor('chat.postMessage', options.killWhen, options.timeoutMs ?? 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker stderr: ${stderr}`);
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  await modelsFor(db.connection).Notice.updateMany({ leaseToken: { $ne: null } }, { $set: { leaseUntil: new Date(Date.now() - 1) } });
}

/** The most calls that arrived within any one second (how a pace is measured from the fake Slack's call log). */
export function busiestSecond(calls: readonly SlackCall[]): number {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while ((times[j] ?? 0) < (times[i] ?? 0) - 1_000) j += 1;
    busiest = Math.max(busiest, i - j + 1);
  }
  return busiest;
}
