import type { Operation, OpItem } from '../ports.js';
import type { GrantWarning, NewGrant, Timer, WarningLabel } from './ports.js';

const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;
const LEADS: readonly { label: WarningLabel; ms: number }[] = [
  { label: '7d', ms: 7 * DAY_MS },
  { label: '1d', ms: DAY_MS },
];

/**
 * When a grant from `since` to `endsAt` warns its holders: 7 days and 1 day before the end, or at
 * half the time when the grant is shorter than that. Rounded up to the minute (so a bulk change's
 * learners share their timers) unless that reaches the end; two warnings at the same moment are one
 * (the later label).
 */
export function warningPlan(since: Date, endsAt: Date): GrantWarning[] {
  const span = endsAt.getTime() - since.getTime();
  if (span <= 0) return [];
  const byTime = new Map<number, WarningLabel>();
  for (const lead of LEADS) {
    const at = span > lead.ms ? endsAt.getTime() - lead.ms : since.getTime() + span / 2;
    const minute = Math.ceil(at / MINUTE_MS) * MINUTE_MS;
    // A grant of a few minutes keeps its exact half time: rounding would put the warning at the end.
    byTime.set(minute < endsAt.getTime() ? minute : Math.ceil(at), lead.label);
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([at, label]) => ({ label, at: new Date(at) }));
}

/** The first warning of the plan not sent yet; null when none is left. */
export function nextWarningAt(plan: readonly GrantWarning[], warned: readonly WarningLabel[]): Date | null {
  return plan.find((w) => !warned.includes(w.label))?.at ?? null;
}

/**
 * The grants an operation with an end records for the learners it changed: what each learner got
 * (taken back at the end) and what the change replaced (given back).
 */
export function grantsOf(op: Pick<Operation, 'id' | 'actor' | 'reason' | 'source' | 'grant'>, applied: readonly OpItem[]): NewGrant[] {
  const grant = op.grant;
  if (!grant) return [];
  const requestId = op.source.startsWith('bulk:') ? op.source.slice('bulk:'.length) : undefined;
  const warnings = warningPlan(grant.since, grant.endsAt);
  return applied
    .map((item) => ({ item, added: item.next.filter((t) => !item.prev.includes(t)) }))
    .filter(({ added }) => added.length > 0)
    .map(({ item, added }) => ({
      id: `${op.id}:${item.learnerId}`,
      learnerId: item.learnerId,
      email: item.email,
      added,
      removed: item.prev.filter((t) => !item.next.includes(t)),
      since: grant.since,
      endsAt: grant.endsAt,
      grantedBy: op.actor,
      grantOpId: op.id,
      ...(requestId ? { requestId } : {}),
      reason: op.reason,
      ...(grant.timeZone ? { timeZone: grant.timeZone } : {}),
      warnings,
      nextWarnAt: nextWarningAt(warnings, []),
    }));
}

/** The key of the timers of one grant (`grant:<id>`) or of a bulk request's grants (`bulk:<id>`). */
export function grantTimerKey(target: { grantId: string } | { requestId: string }): string {
  return 'grantId' in target ? `grant:${target.grantId}` : `bulk:${target.requestId}`;
}

/** The end and warning timers of grants sharing one end and plan. */
export function grantTimers(key: string, endsAt: Date, warnings: readonly GrantWarning[]): Timer[] {
  return [
    { kind: 'grant_end', key, at: endsAt },
    ...warnings.map((w) => ({ kind: 'grant_warning' as const, key: `${key}:${w.label}`, at: w.at })),
  ];
}
