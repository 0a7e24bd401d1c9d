import type { LicensingDeps } from '../deps.js';
import { LicenseError } from '../errors.js';
import { type Assignment, type Learner, type LicenseType, searchTerms } from '../model.js';
import { rankLearners } from '../search.js';

/**
 * Typeahead: learners whose name words or email start with each typed word (see search.ts), best
 * matches first. Up to five times `limit` candidates are ranked, so the best ones are not cut off
 * by the database's own order.
 */
export async function searchLearners(deps: Pick<LicensingDeps, 'store'>, query: string, limit = 20): Promise<Learner[]> {
  const terms = searchTerms(query);
  if (terms.length === 0) return [];
  const candidates = await sharedSearch(deps.store, terms, Math.min(100, limit * 5));
  return rankLearners(candidates, query).slice(0, limit);
}

const inFlight = new WeakMap<object, Map<string, Promise<Learner[]>>>();

/**
 * The same search asked again while it is running (a burst of keystrokes: several admins, or
 * Slack's retries) shares the one database query; nothing is kept once it is answered.
 */
function sharedSearch(store: LicensingDeps['store'], terms: readonly string[], limit: number): Promise<Learner[]> {
  const running = inFlight.get(store) ?? new Map<string, Promise<Learner[]>>();
  inFlight.set(store, running);
  const key = JSON.stringify([terms, limit]);
  const pending = running.get(key);
  if (pending) return pending;
  const search = store.searchLearners(terms, limit).finally(() => running.delete(key));
  running.set(key, search);
  return search;
}

/** The one learner a typed name or email designates, or null when none or several match. */
export async function resolveLearner(
  deps: Pick<LicensingDeps, 'store'>,
  text: string,
): Promise<{ learner: Learner | null; matches: number }> {
  const trimmed = text.trim();
  if (!trimmed) return { learner: null, matches: 0 };
  if (trimmed.includes('@')) {
    const learner = await deps.store.findLearnerByEmail(trimmed.replace(/^<mailto:[^|]+\|(.+)>$/, '$1'));
    if (learner) return { learner, matches: 1 };
  }
  const found = await searchLearners(deps, trimmed, 2);
  return { learner: found.length === 1 ? (found[0] ?? null) : null, matches: found.length };
}

export interface LearnerCard {
  learner: Learner;
  history: Assignment[];
  typeNames: Map<string, string>;
}

/** A learner with their latest history, for the learner card. */
export async function learnerCard(deps: Pick<LicensingDeps, 'store'>, learnerId: string): Promise<LearnerCard> {
  const learner = await deps.store.findLearnerById(learnerId);
  if (!learner) throw new LicenseError('learner_not_found');
  const [history, types] = await Promise.all([deps.store.learnerHistory(learner.id, 5), deps.store.listLicenseTypes()]);
  return { learner, history, typeNames: new Map(types.map((t) => [t.key, t.name])) };
}

/** Every license type with its capacity and seats in use. */
export async function seatOverview(deps: Pick<LicensingDeps, 'store'>): Promise<LicenseType[]> {
  return deps.store.listLicenseTypes();
}
