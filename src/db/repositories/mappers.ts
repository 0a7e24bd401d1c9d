import type { ActorSource, Assignment, ChangeSpec, Learner, LicenseType } from '../../licensing/model.js';
import type { Operation } from '../../licensing/ports.js';
import type { AssignmentDoc, LearnerDoc, LicenseTypeDoc, OperationDoc } from '../models/index.js';

/** The learner fields the domain reads; everything else (search keys, op marks) stays in the database. */
export const learnerProjection = { email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1, slackUserId: 1, version: 1 } as const;

/** True for a string that can be a MongoDB ObjectId (learner and request ids). */
export const isObjectId = (id: string): boolean => /^[0-9a-f]{24}$/i.test(id);

/** Maps a stored learner to the domain shape. */
export function toLearner(
  doc: Pick<LearnerDoc, '_id' | 'email' | 'name' | 'groups' | 'status' | 'licenseTypes' | 'slackUserId' | 'version'>,
): Learner {
  return {
    id: String(doc._id),
    email: doc.email,
    name: doc.name,
    groups: [...(doc.groups ?? [])],
    status: doc.status,
    licenseTypes: [...(doc.licenseTypes ?? [])],
    ...(doc.slackUserId ? { slackUserId: doc.slackUserId } : {}),
    version: doc.version ?? 0,
  };
}

/** Maps a stored history row to the domain shape. */
export function toAssignment(d: Omit<AssignmentDoc, '_id'>): Assignment {
  return {
    learnerId: d.learnerId,
    email: d.email,
    licenseType: d.licenseType,
    assignedAt: d.assignedAt,
    revokedAt: d.revokedAt ?? null,
    actor: d.actor,
    source: d.source,
    reason: d.reason ?? '',
    opId: d.opId,
  };
}

export function toLicenseType(doc: Omit<LicenseTypeDoc, 'pending'>): LicenseType {
  return {
    key: doc.key,
    name: doc.name,
    capacity: doc.capacity ?? null,
    seatsInUse: doc.seatsInUse,
    ...(doc.platformName ? { platformName: doc.platformName } : {}),
  };
}

export function toOperation(doc: OperationDoc): Operation {
  return {
    id: doc._id,
    state: doc.state,
    change: doc.change as ChangeSpec,
    actor: doc.actor,
    // Written by this app from an ActorSource.
    source: doc.source as ActorSource,
    reason: doc.reason ?? '',
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    items: doc.items.map((item) => ({
      learnerId: item.learnerId,
      email: item.email,
      version: item.version,
      prev: [...item.prev],
      next: [...item.next],
    })),
    failed: doc.failed.map((f) => ({ learnerId: f.learnerId, email: f.email, code: f.code })),
    touchedTypes: [...doc.touchedTypes],
    createdAt: doc.createdAt,
    ...(doc.appliedIds ? { appliedIds: [...doc.appliedIds] } : {}),
    ...(doc.sync ? { sync: true } : {}),
    ...(doc.action ? { action: doc.action } : {}),
    ...(doc.grant
      ? { grant: { endsAt: doc.grant.endsAt, since: doc.grant.since, ...(doc.grant.timeZone ? { timeZone: doc.grant.timeZone } : {}) } }
      : {}),
    ...(doc.notify ? { notify: true } : {}),
  };
}

/** True for MongoDB's duplicate key error (E11000): a unique index kept the first write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
