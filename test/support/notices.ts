import type { NoticeItem, NoticeSender, QueuedNotice, SendResult } from '../../src/licensing/notices/ports.js';

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
