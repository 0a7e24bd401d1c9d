import { LicenseError } from '../licensing/errors.js';

const unavailable = /MongoNetworkError|MongoServerSelectionError|MongooseServerSelectionError|MongoNotConnectedError|MongoTopologyClosedError|MongoNetworkTimeoutError|MongoPoolClearedError/;

/** True when the error means the database cannot be reached (not a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return unavailable.test(error.name) || /Client must be connected|connection .* closed|Topology is closed|buffering timed out/i.test(error.message);
}

/**
 * Wraps every method of a repository so that an unreachable database surfaces as the domain's
 * `database_unavailable` error, which the edges turn into a plain sentence.
 */
export function withDatabaseErrors<T extends object>(repository: T): T {
  const wrapped = {} as T;
  for (const [key, value] of Object.entries(repository) as [keyof T, unknown][]) {
    if (typeof value !== 'function') {
      wrapped[key] = value as T[keyof T];
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    wrapped[key] = (async (...args: unknown[]) => {
      try {
        return await fn.apply(repository, args);
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw new LicenseError('database_unavailable');
        throw error;
      }
    }) as T[keyof T];
  }
  return wrapped;
}
