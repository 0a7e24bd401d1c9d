import { LicenseError } from '../licensing/errors.js';

const unavailable =
  /MongoNetworkError|MongoServerSelectionError|MongooseServerSelectionError|MongoNotConnectedError|MongoTopologyClosedError|MongoNetworkTimeoutError|MongoPoolClearedError/;

/** True when the error means the database cannot be reached (not a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    unavailable.test(error.name) ||
    /Client must be connected|connection .* closed|Topology is closed|buffering timed out/i.test(error.message)
  );
}

const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor as new () => unknown;

/**
 * Wraps every method of a repository so that an unreachable database surfaces as the domain's
 * `database_unavailable` error, which the edges turn into a plain sentence. Streams (async
 * generator methods) stay streams. `onError` hears of every failure (for `/metrics`).
 */
export function withDatabaseErrors<T extends object>(repository: T, onError?: (unavailable: boolean) => void): T {
  const wrapped = {} as T;
  for (const [key, value] of Object.entries(repository) as [keyof T, unknown][]) {
    if (typeof value !== 'function') {
      wrapped[key] = value as T[keyof T];
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    if (value instanceof AsyncGeneratorFunction) {
      // A stream (a cursor): its errors come while it is read, so the iteration is wrapped.
      wrapped[key] = async function* (...args: unknown[]) {
        try {
          yield* fn.apply(repository, args) as AsyncGenerator<unknown>;
        } catch (error) {
          const unavailable = isDatabaseUnavailable(error);
          onError?.(unavailable);
          if (unavailable) throw new LicenseError('database_unavailable');
          throw error;
        }
      } as T[keyof T];
      continue;
    }
    wrapped[key] = (async (...args: unknown[]) => {
      try {
        return await fn.apply(repository, args);
      } catch (error) {
        const unavailable = isDatabaseUnavailable(error);
        onError?.(unavailable);
        if (unavailable) throw new LicenseError('database_unavailable');
        throw error;
      }
    }) as T[keyof T];
  }
  return wrapped;
}
