import { setTimeout as sleep } from 'node:timers/promises';
import type { Agenda } from 'agenda';
import type { Database } from '../../src/db/connection.js';
import { type BulkJobServices, createAgenda, defineLicenseJobs, startAgenda } from '../../src/jobs/index.js';

/** The native driver Db of a test database, for Agenda. */
export function nativeDb(db: Database) {
  const native = db.connection.db;
  if (!native) throw new Error('the test database is not connected');
  return native;
}

/** A started Agenda with the license jobs, polling fast, as one bot process would run it. */
export async function startTestAgenda(
  db: Database,
  services: BulkJobServices & { stallMs?: number },
  options: { lockLifetime?: number; expireEvery?: string | null; name?: string } = {},
): Promise<Agenda> {
  const agenda = await createAgenda({
    db: nativeDb(db),
    processEvery: '200 milliseconds',
    lockLifetime: options.lockLifetime ?? 2_000,
    logger: services.logger,
    name: options.name ?? 'test',
  });
  defineLicenseJobs(agenda, services);
  await startAgenda(agenda, { expireEvery: options.expireEvery ?? null });
  return agenda;
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
