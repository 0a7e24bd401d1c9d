import { createHash } from 'node:crypto';

/** What identifies one press of a modal's submit button. */
export interface SubmissionIdentity {
  user: { id: string };
  view: { id: string; callback_id: string; private_metadata?: string; state: { values: unknown } };
}

/**
 * The idempotency key of a view submission: a replay of it (the same user, modal, metadata and
 * entered values, signed again or resent) has the same key, so it makes nothing new. A modal is
 * closed once its submission succeeds, so a person never submits the same one twice.
 */
export function submissionKey(body: SubmissionIdentity): string {
  const identity = [body.view.callback_id, body.view.id, body.user.id, body.view.private_metadata ?? '', canonical(body.view.state.values)];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** JSON with object keys in sorted order, so the same values always give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
