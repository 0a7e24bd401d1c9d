import { WebClient, LogLevel as WebLogLevel } from '@slack/web-api';
import type { Repositories } from '../../src/db/index.js';
import { createPacer } from '../../src/licensing/notices/pacer.js';
import type { NoticeItem, NoticeSender, QueuedNotice, SendResult } from '../../src/licensing/notices/ports.js';
import { type DrainOptions, type DrainSummary, drainNotices } from '../../src/licensing/notices/queue.js';
import { createLogger } from '../../src/logger.js';
import { createSlackNoticeSender } from '../../src/slack/notifiers/notice-sender.js';
import type { FakeSlack } from './fake-slack.js';

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
