import { Types } from 'mongoose';
import type { BulkSelection, IdleCriteria, LearnerRefinement } from '../../licensing/bulk/ports.js';
import { escapeRegex } from '../../licensing/model.js';
import { isObjectId } from './mappers.js';

/** A MongoDB filter document. */
export type Filter = Record<string, unknown>;

/**
 * ANDs clauses into one filter, keeping them top-level where their keys do not collide so the
 * planner sees plain `{field: …}` predicates; colliding ones go into `$and`.
 */
export function allOf(clauses: Filter[]): Filter {
  const flat: Filter = {};
  const rest: Filter[] = [];
  for (const clause of clauses) {
    if (Object.keys(clause).some((key) => key in flat)) rest.push(clause);
    else Object.assign(flat, clause);
  }
  return rest.length ? { ...flat, $and: rest } : flat;
}

/** The learner filter of a selection; the group and type filters use the multikey indexes. */
export function selectionFilter(selection: BulkSelection, refinement: LearnerRefinement = {}): Filter {
  const clauses: Filter[] = [];
  if (selection.groups.length) clauses.push({ groups: { $in: selection.groups } });
  const typeAlternatives: Filter[] = [];
  if (selection.licenseTypes.length) typeAlternatives.push({ licenseTypes: { $in: selection.licenseTypes } });
  if (selection.withoutLicense) typeAlternatives.push({ licenseTypes: { $size: 0 } });
  if (typeAlternatives.length === 1) clauses.push(typeAlternatives[0]!);
  if (typeAlternatives.length > 1) clauses.push({ $or: typeAlternatives });
  if (selection.status) clauses.push({ status: selection.status });
  if (selection.text) {
    // Literal, case-insensitive "contains": user text never becomes a pattern.
    const pattern = escapeRegex(selection.text);
    clauses.push({ $or: [{ name: { $regex: pattern, $options: 'i' } }, { email: { $regex: pattern, $options: 'i' } }] });
  }
  if (selection.emails.length) clauses.push({ email: { $in: selection.emails } });
  if (selection.excludeIds.length)
    clauses.push({ _id: { $nin: selection.excludeIds.filter(isObjectId).map((id) => new Types.ObjectId(id)) } });
  if (selection.excludeEmails.length) clauses.push({ email: { $nin: selection.excludeEmails } });
  if (selection.idle) clauses.push(...idleClauses(selection.idle));

  if (refinement.active === true) clauses.push({ status: 'active' });
  if (refinement.active === false) clauses.push({ status: { $ne: 'active' } });
  if (refinement.holds) clauses.push({ licenseTypes: refinement.holds });
  if (refinement.holdsNone) clauses.push({ licenseTypes: { $size: 0 } });
  if (refinement.holdsNoneOf?.length) clauses.push({ licenseTypes: { $nin: refinement.holdsNoneOf } });
  if (refinement.holdsAny) clauses.push({ 'licenseTypes.0': { $exists: true } });
  return allOf(clauses);
}

/** Idle holders (reclaim): no activity since `before`, not exempted at `at`, outside the excluded groups. */
function idleClauses(idle: IdleCriteria): Filter[] {
  const clauses: Filter[] = [
    idle.neverOnly
      ? { 'usage.lastActiveAt': { $exists: false } }
      : { $or: [{ 'usage.lastActiveAt': { $lt: idle.before } }, { 'usage.lastActiveAt': { $exists: false } }] },
    // Missing or past: `$not: {$gt}` matches both in one clause.
    { reclaimExemptUntil: { $not: { $gt: idle.at } } },
  ];
  if (idle.excludeGroups.length) clauses.push({ groups: { $nin: idle.excludeGroups } });
  if (idle.round) clauses.push({ 'reclaimAsk.round': idle.round, 'reclaimAsk.state': 'asked' });
  return clauses;
}
