import { audit } from './audit.js';
import type { LicensingDeps } from './deps.js';
import { LicenseError } from './errors.js';
import type { Actor } from './model.js';
import type { AdminStore } from './ports.js';

/** True when the user may change licenses. */
export async function isAdmin(deps: Pick<LicensingDeps, 'configAdmins' | 'admins'>, userId: string): Promise<boolean> {
  return deps.configAdmins.includes(userId) || (await deps.admins.isStoredAdmin(userId));
}

/** Throws `not_admin` (and audits the refused attempt) unless the actor is an admin. */
export async function requireAdmin(
  deps: LicensingDeps,
  actor: Actor,
  action: string,
  subject: { learnerId?: string; learnerEmail?: string } = {},
): Promise<void> {
  // Whoever runs the CLI can write the database anyway; the Slack layer never makes a `cli` actor.
  if (actor.source === 'cli' || (await isAdmin(deps, actor.userId))) return;
  await audit(deps, actor, action, subject, { refused: 'not_admin' });
  throw new LicenseError('not_admin');
}

/** Makes `userId` an admin; returns false when they already were. */
export async function addAdmin(deps: LicensingDeps, actor: Actor, userId: string): Promise<boolean> {
  await requireAdmin(deps, actor, 'admins.add');
  const added = deps.configAdmins.includes(userId)
    ? false
    : await deps.admins.addAdmin({ userId, addedBy: actor.userId, addedAt: deps.now() });
  if (added) await audit(deps, actor, 'admins.add', { details: { userId } }, 'applied');
  return added;
}

/** Removes an admin added from Slack; returns false when they were not one. */
export async function removeAdmin(deps: LicensingDeps, actor: Actor, userId: string): Promise<boolean> {
  await requireAdmin(deps, actor, 'admins.remove');
  if (deps.configAdmins.includes(userId)) throw new LicenseError('cannot_remove_config_admin');
  const stored = await deps.admins.listAdmins();
  if (deps.configAdmins.length === 0 && stored.length === 1 && stored[0]?.userId === userId) throw new LicenseError('last_admin');
  const removed = await deps.admins.removeAdmin(userId);
  if (removed) await audit(deps, actor, 'admins.remove', { details: { userId } }, 'applied');
  return removed;
}

/** Every admin: those from config first, then those added from Slack. */
export async function listAdmins(deps: LicensingDeps): Promise<{ userId: string; fromConfig: boolean }[]> {
  const stored = await deps.admins.listAdmins();
  return [
    ...deps.configAdmins.map((userId) => ({ userId, fromConfig: true })),
    ...stored.filter((a) => !deps.configAdmins.includes(a.userId)).map((a) => ({ userId: a.userId, fromConfig: false })),
  ];
}

/** How long "is this user an admin?" is answered from memory: briefly, since another process may change it. */
export const ADMIN_CACHE_MS = 5_000;

/**
 * Remembers who is a stored admin for `ttlMs`, so the typeahead (a request per keystroke) does not
 * read the database each time; simultaneous questions about one user share one read. Adding or
 * removing an admin through this store forgets that user at once (a read already under way is
 * not remembered); changes made by another process show within `ttlMs`.
 */
export function cachedAdminStore(store: AdminStore, options: { ttlMs?: number; now?: () => number } = {}): AdminStore {
  const ttlMs = options.ttlMs ?? ADMIN_CACHE_MS;
  const now = options.now ?? Date.now;
  const known = new Map<string, { answer: Promise<boolean>; until: number }>();
  let generation = 0;
  const forget = (userId: string) => {
    generation += 1;
    known.delete(userId);
  };
  return {
    isStoredAdmin(userId) {
      const cached = known.get(userId);
      if (cached && cached.until > now()) return cached.answer;
      const asked = generation;
      const answer = store.isStoredAdmin(userId);
      known.set(userId, { answer, until: now() + ttlMs });
      // A failed read is not remembered; nor is one that a change overtook.
      answer.then(
        () => {
          if (generation !== asked && known.get(userId)?.answer === answer) known.delete(userId);
        },
        () => {
          if (known.get(userId)?.answer === answer) known.delete(userId);
        },
      );
      return answer;
    },
    async addAdmin(record) {
      try {
        return await store.addAdmin(record);
      } finally {
        forget(record.userId);
      }
    },
    async removeAdmin(userId) {
      try {
        return await store.removeAdmin(userId);
      } finally {
        forget(userId);
      }
    },
    listAdmins: () => store.listAdmins(),
  };
}
