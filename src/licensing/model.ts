/** Plain data of the licensing domain: no Slack, no Mongoose. */

/**
 * Where an action comes from; it is written on every audit event and history row. A bulk job's
 * rows carry `bulk:<requestId>` so they can be traced back to their request.
 */
export type ActorSource = 'slack' | 'cli' | 'import' | 'job' | 'workflow' | 'expiry' | 'sync' | `bulk:${string}`;

/** Who is acting, from where, and in which channel. */
export interface Actor {
  userId: string;
  source: ActorSource;
  channelId?: string;
}

/** An actor in Slack: a user, optionally in a channel. */
export function slackActor(userId: string, channelId?: string): Actor {
  return { userId, source: 'slack', ...(channelId ? { channelId } : {}) };
}

export type LearnerStatus = 'active' | 'deactivated';

export interface LicenseType {
  key: string;
  name: string;
  /** null = unlimited seats. */
  capacity: number | null;
  seatsInUse: number;
  /** What the learning platform calls this license (SCIM value, Org Sync column); unset → `name`. */
  platformName?: string;
}

/** What the learning platform calls a license type. */
export function platformNameOf(type: Pick<LicenseType, 'name' | 'platformName'>): string {
  return type.platformName ?? type.name;
}

export interface Learner {
  id: string;
  email: string;
  name: string;
  groups: string[];
  status: LearnerStatus;
  licenseTypes: string[];
  slackUserId?: string;
  /** Bumped on every license change: the optimistic-concurrency token. */
  version: number;
}

/** What planning a license change needs of a learner (a bulk job reads only this). */
export type PlanningLearner = Pick<Learner, 'id' | 'email' | 'status' | 'licenseTypes' | 'version'>;

export interface Assignment {
  learnerId: string;
  email: string;
  licenseType: string;
  assignedAt: Date;
  revokedAt: Date | null;
  actor: string;
  source: string;
  reason: string;
  opId: string;
}

export type AuditOutcome = 'applied' | 'refused' | 'failed';

export interface AuditEvent {
  /** Idempotency key: a retried step writes the same event once. */
  key?: string;
  at: Date;
  actor: string;
  action: string;
  outcome: AuditOutcome;
  code?: string;
  learnerId?: string;
  learnerEmail?: string;
  from?: string[];
  to?: string[];
  channelId?: string;
  source: ActorSource;
  details?: Record<string, string | number | boolean | null>;
}

/** A change an admin asks for, for one learner or many (review messages, bulk requests). */
export type AdminChange = { kind: 'reassign'; from: string | null; to: string } | { kind: 'add'; to: string } | { kind: 'revoke' };

/**
 * What a change does to one learner's license types: an admin's change, or `release`, a learner
 * giving back one of their own licenses ("Release my license") and keeping the others.
 */
export type ChangeSpec = AdminChange | { kind: 'release'; from: string };

/** The license types a learner holds after the change. */
export function nextLicenseTypes(current: readonly string[], change: ChangeSpec): string[] {
  switch (change.kind) {
    case 'reassign': {
      const kept = current.filter((type) => type !== change.from && type !== change.to);
      return [...kept, change.to];
    }
    case 'add':
      return current.includes(change.to) ? [...current] : [...current, change.to];
    case 'revoke':
      return [];
    case 'release':
      return current.filter((type) => type !== change.from);
  }
}

/** Why the change cannot apply to this learner now, or null when it can. */
export function changeBlocker(
  learner: Pick<Learner, 'status' | 'licenseTypes'>,
  change: ChangeSpec,
): 'learner_deactivated' | 'already_on_type' | 'no_licenses' | 'not_on_type' | null {
  if (learner.status !== 'active') return 'learner_deactivated';
  switch (change.kind) {
    case 'reassign':
      if (learner.licenseTypes.includes(change.to)) return 'already_on_type';
      if (change.from !== null && !learner.licenseTypes.includes(change.from)) return 'not_on_type';
      return null;
    case 'add':
      return learner.licenseTypes.includes(change.to) ? 'already_on_type' : null;
    case 'revoke':
      return learner.licenseTypes.length === 0 ? 'no_licenses' : null;
    case 'release':
      return learner.licenseTypes.includes(change.from) ? null : 'not_on_type';
  }
}

/** Free seats of a type; Infinity when unlimited. */
export function freeSeats(type: Pick<LicenseType, 'capacity' | 'seatsInUse'>): number {
  return type.capacity === null ? Number.POSITIVE_INFINITY : Math.max(0, type.capacity - type.seatsInUse);
}

/** Net change of seats in use per license type when `prev` becomes `next`. */
export function seatDelta(prev: readonly string[], next: readonly string[]): Map<string, number> {
  const delta = new Map<string, number>();
  for (const type of next) if (!prev.includes(type)) delta.set(type, (delta.get(type) ?? 0) + 1);
  for (const type of prev) if (!next.includes(type)) delta.set(type, (delta.get(type) ?? 0) - 1);
  return delta;
}

// A local part starts with a letter, digit or _ (so no formula: "=1+1@x.com" is not an email), then
// the usual characters; the domain is dot-separated labels of letters, digits and inner hyphens,
// ending in a top-level domain of letters.
const EMAIL_ADDRESS =
  /^[\p{L}\p{N}_](?:[\p{L}\p{N}_!#$%&'*+/=?^`{|}~-]|\.(?!\.))*(?<!\.)@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;

/** True for an email address as people have them (at most 254 characters); a formula or a phrase is not one. */
export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && EMAIL_ADDRESS.test(text);
}

/** The one form of an email: trimmed, lower case, Unicode-normalised (NFC), so one person is one learner. */
export function normalizeEmail(text: string): string {
  return text.trim().normalize('NFC').toLowerCase();
}

// How learners are found as people type lives in search.ts; these are used across the domain.
export { escapeRegex, SEARCH_KEYS_VERSION, searchFieldsFor, searchKeysFor, searchNameFor, searchTerms } from './search.js';

/** A human label for a list of license types. */
export function describeTypes(keys: readonly string[], names: ReadonlyMap<string, string>): string {
  if (keys.length === 0) return 'no license';
  return keys.map((key) => names.get(key) ?? key).join(' + ');
}
