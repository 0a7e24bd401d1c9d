import type { ActorSource, Assignment, ChangeSpec, Learner, LicenseType, PlanningLearner } from '../../licensing/model.js';
import type { Operation, OpItem } from '../../licensing/ports.js';
import type { AssignmentDoc, LearnerDoc, LicenseTypeDoc, OperationDoc, OpItemGroupDoc } from '../models/index.js';

/** The learner fields the domain reads; everything else (search keys, op marks) stays in the database. */
export const learnerProjection = { email: 1, name: 1, groups: 1, status: 1, licenseTypes: 1, slackUserId: 1, version: 1 } as const;

/** The fields planning a license change reads (a bulk job's cursor). */
export const planningProjection = { email: 1, status: 1, licenseTypes: 1, version: 1 } as const;

/** Maps a stored learner, read with `planningProjection`, to what planning needs. */
export function toPlanningLearner(doc: Pick<LearnerDoc, '_id' | 'email' | 'status' | 'licenseTypes' | 'version'>): PlanningLearner {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    status: doc.status,
    licenseTypes: doc.licenseTypes ?? [],
    version: doc.version ?? 0,
  };
}

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
  const items = doc.itemGroups
    ? itemsOf(doc.itemGroups)
    : (doc.items ?? []).map((item) => ({
        learnerId: item.learnerId,
        email: item.email,
        version: item.version,
        prev: [...item.prev],
        next: [...item.next],
      }));
  return {
    id: doc._id,
    state: doc.state,
    change: doc.change as ChangeSpec,
    actor: doc.actor,
    // Written by this app from an ActorSource.
    source: doc.source as ActorSource,
    reason: doc.reason ?? '',
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    items,
    failed: doc.failed.map((f) => ({ learnerId: f.learnerId, email: f.email, code: f.code })),
    touchedTypes: [...doc.touchedTypes],
    createdAt: doc.createdAt,
    ...(doc.appliedAll ? { appliedIds: items.map((item) => item.learnerId) } : doc.appliedIds ? { appliedIds: [...doc.appliedIds] } : {}),
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

/** An operation's items as stored: runs of items with the same change, column-wise (order kept). */
export function itemGroupsOf(items: readonly OpItem[]): OpItemGroupDoc[] {
  const groups: OpItemGroupDoc[] = [];
  let group: OpItemGroupDoc | undefined;
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((value, i) => value === b[i]);
  for (const item of items) {
    if (!group || !same(group.prev, item.prev) || !same(group.next, item.next)) {
      group = { prev: [...item.prev], next: [...item.next], learnerIds: [], emails: [], versions: [] };
      groups.push(group);
    }
    group.learnerIds.push(item.learnerId);
    group.emails.push(item.email);
    group.versions.push(item.version);
  }
  return groups;
}

/** The items of stored item groups, in their original order. */
export function itemsOf(groups: readonly OpItemGroupDoc[]): OpItem[] {
  const items: OpItem[] = [];
  for (const group of groups) {
    group.learnerIds.forEach((learnerId, i) => {
      items.push({
        learnerId,
        email: group.emails[i] ?? '',
        version: group.versions[i] ?? 0,
        prev: [...group.prev],
        next: [...group.next],
      });
    });
  }
  return items;
}
