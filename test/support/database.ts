import { randomBytes } from 'node:crypto';
import { connectDatabase, type Database, openRepositories, type Repositories } from '../../src/db/index.js';

/** A test database with the app's repositories over it, as the composition root opens them. */
export interface TestDatabase extends Database {
  repositories: Repositories;
  /** Drops the database and disconnects. */
  drop(): Promise<void>;
}

/** Opens the repositories on a connected database (indexes included). */
export async function withRepositories(db: Database): Promise<Database & { repositories: Repositories }> {
  return { ...db, repositories: await openRepositories(db.connection) };
}

/** A fresh, uniquely named database on the test server; `drop()` removes it and disconnects. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup should have set it');
  const db = await withRepositories(await connectDatabase({ uri, dbName: `test_${randomBytes(6).toString('hex')}` }));
  return {
    ...db,
    async drop() {
      await db.connection.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}
