import { Writable } from 'node:stream';
import { type CliIo, withDatabase } from '../src/cli/context.js';
import { demoLearnerRows } from '../src/cli/demo-data.js';
import { importLearners } from '../src/licensing/transfer/learner-import.js';
import { importLicenseTypes } from '../src/licensing/transfer/license-type-import.js';
import { rowsFrom } from '../src/licensing/transfer/table.js';

/** The license types of every bench database: the job moves learners from core to pro. */
export const FROM_TYPE = 'core';
export const TO_TYPE = 'pro';
export const BENCH_GROUP = 'Bench';

/** What the bench needs to know of the learners it seeded (for realistic typeahead prefixes). */
export interface SeededLearners {
  count: number;
  seconds: number;
  firstNames: string[];
  lastNames: string[];
  emails: string[];
}

function io(uri: string, dbName: string): CliIo {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { stdout: sink, stderr: sink, env: { MONGODB_URI: uri, MONGODB_DB_NAME: dbName, LOG_LEVEL: 'warn' } };
}

/**
 * Seeds `count` active learners holding `core` through the product's import (the CLI's
 * database context and `importLearners`), so every learner gets a version, search keys, an
 * assignment row and a seat, exactly as `license-bot import learners` would make them.
 * Names and emails are the deterministic demo data; the group is the same for everyone.
 */
export async function seedLearners(uri: string, dbName: string, count: number): Promise<SeededLearners> {
  const started = performance.now();
  const sample = { firstNames: new Set<string>(), lastNames: new Set<string>(), emails: [] as string[] };
  await withDatabase(io(uri, dbName), async (ctx) => {
    await importLicenseTypes(
      ctx,
      rowsFrom(() => [
        ['key', 'name', 'seats'],
        [FROM_TYPE, 'Learning Core', ''],
        // Capped, with room for everyone: the job goes through the seat check of a capped type.
        [TO_TYPE, 'Learning Pro', String(Math.max(10, count * 2))],
      ]),
    );
    const rows = function* (): Generator<string[]> {
      let header = true;
      for (const [email = '', name = ''] of demoLearnerRows(count)) {
        if (header) {
          header = false;
          yield ['email', 'name', 'group', 'licenseType', 'status'];
          continue;
        }
        yield [email, name, BENCH_GROUP, FROM_TYPE, 'active'];
      }
    };
    const summary = await importLearners(ctx, rowsFrom(rows), { actor: { userId: 'bench:seed', source: 'import' }, reason: 'bench data' });
    if (summary.created !== count || summary.licensesChanged !== count) {
      throw new Error(`seeding made ${summary.created} learners and ${summary.licensesChanged} license changes, expected ${count}`);
    }
  });
  // Every name, and an even sample of the emails (the later ones carry numbers: ada.kim17@…).
  const every = Math.max(1, Math.floor(count / 5_000));
  let i = 0;
  for (const [email = '', name = ''] of demoLearnerRows(count)) {
    if (i++ === 0) continue;
    const [first = '', ...rest] = name.split(' ');
    sample.firstNames.add(first);
    sample.lastNames.add(rest.join(' '));
    if (i % every === 0) sample.emails.push(email);
  }
  return {
    count,
    seconds: (performance.now() - started) / 1000,
    firstNames: [...sample.firstNames],
    lastNames: [...sample.lastNames],
    emails: sample.emails,
  };
}
