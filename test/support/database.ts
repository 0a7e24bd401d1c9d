import { randomBytes } from 'node:crypto';
import { connectDatabase, type Database } from '../../src/db/connection.js';

/** A fresh, uniquely named database on the test server; `drop()` removes it and disconnects. */
export async function openTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup should have set it');
  const db = await connectDatabase({ uri, dbName: `test_${randomBytes(6).toString('hex')}` });
  return {
    ...db,
    async drop() {
      await db.connection.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}
