import type { LicensingDeps } from './deps.js';
import type { Actor, AuditEvent } from './model.js';

/** What an audited action was about: a learner, a change of license types, and other facts. */
export interface AuditSubject {
  learnerId?: string;
  learnerEmail?: string;
  from?: string[];
  to?: string[];
  details?: AuditEvent['details'];
}

/** How it ended: applied, or refused / failed with a code. */
export type AuditResult = 'applied' | { refused: string } | { failed: string };

/**
 * The one way an audit event is made: from who acted (and from where), what they did, what it was
 * about and how it ended. `key` makes a retried step write it once.
 */
export function auditEvent(actor: Actor, action: string, subject: AuditSubject, result: AuditResult, at: Date, key?: string): AuditEvent {
  const outcome = result === 'applied' ? 'applied' : 'refused' in result ? 'refused' : 'failed';
  const code = result === 'applied' ? undefined : 'refused' in result ? result.refused : result.failed;
  // Built field by field rather than from spreads: a bulk batch makes a thousand of these.
  const event: AuditEvent = { at, actor: actor.userId, action, outcome, source: actor.source };
  if (key) event.key = key;
  if (code) event.code = code;
  if (subject.learnerId) event.learnerId = subject.learnerId;
  if (subject.learnerEmail) event.learnerEmail = subject.learnerEmail;
  if (subject.from) event.from = subject.from;
  if (subject.to) event.to = subject.to;
  if (actor.channelId) event.channelId = actor.channelId;
  if (subject.details) event.details = subject.details;
  return event;
}

/** Writes one audit event now. */
export async function audit(
  deps: Pick<LicensingDeps, 'store' | 'now'>,
  actor: Actor,
  action: string,
  subject: AuditSubject,
  result: AuditResult,
): Promise<void> {
  await deps.store.recordAudit([auditEvent(actor, action, subject, result, deps.now())]);
}

/**
 * Audits learners whose status an import or a directory pull changed: one event each, keyed by
 * `key` (unique to the write that changed them), so a retried step writes it once.
 */
export async function auditStatusChanges(
  deps: Pick<LicensingDeps, 'store' | 'now'>,
  actor: Actor,
  key: string,
  changes: readonly { learnerId: string; email: string; from: string; to: string }[],
): Promise<void> {
  if (!changes.length) return;
  const at = deps.now();
  await deps.store.recordAudit(
    changes.map((change) =>
      auditEvent(
        actor,
        change.to === 'deactivated' ? 'learner.deactivate' : 'learner.activate',
        { learnerId: change.learnerId, learnerEmail: change.email, details: { from: change.from, to: change.to } },
        'applied',
        at,
        `${key}:${change.learnerId}`,
      ),
    ),
  );
}
