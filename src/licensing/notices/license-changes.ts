import type { Operation, OpItem } from '../ports.js';
import type { NoticeItem } from './ports.js';

/** The source a license change's notices are counted under: the bulk job's, or the operation's own. */
export function noticeSourceOf(op: Pick<Operation, 'id' | 'source'>): string {
  return op.source.startsWith('bulk:') ? op.source : `op:${op.id}`;
}

/**
 * The DMs telling each learner an operation changed what they hold: keyed by op and learner, so
 * the engine's settle step may record them as often as it is retried and each learner is told once.
 */
export function licenseChangeNotices(op: Operation, applied: readonly OpItem[], at: Date): NoticeItem[] {
  const source = noticeSourceOf(op);
  return applied.map((item) => ({
    key: `${op.id}:${item.learnerId}`,
    source,
    to: { email: item.email },
    notice: { kind: 'license_changed', before: item.prev, after: item.next, changedBy: op.actor, reason: op.reason, at },
  }));
}
