import { mkdirSync } from 'node:fs';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';

export interface Database {
  connection: Connection;
  /** 'external' for MONGODB_URI, 'embedded' for the local mongodb-memory-server. */
  kind: 'external' | 'embedded';
  uri: string;
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * Connects to MONGODB_URI, or starts an embedded mongod (mongodb-memory-server) whose files live
 * in `dataDir`, so a restart keeps the data. `openRepositories` then creates the indexes.
 */
export async function connectDatabase(options: { uri?: string; dataDir?: string; dbName?: string }): Promise<Database> {
  let uri = options.uri;
  let stopEmbedded: (() => Promise<unknown>) | undefined;
  if (!uri) {
    const { MongoMemoryServer } = await import('mongodb-memory-server');
    const dbPath = path.resolve(options.dataDir ?? './.data');
    mkdirSync(dbPath, { recursive: true });
    const server = await MongoMemoryServer.create({ instance: { dbPath, storageEngine: 'wiredTiger' } });
    uri = server.getUri();
    stopEmbedded = () => server.stop({ doCleanup: false });
  }
  const connection = mongoose.createConnection(uri, {
    dbName: options.dbName,
    // Fail fast instead of queueing: a Slack handler has 3 seconds, and "the database is
    // unreachable" is a better answer than a timeout.
    bufferCommands: false,
    serverSelectionTimeoutMS: 5_000,
    autoIndex: false,
  });
  await connection.asPromise();
  return {
    connection,
    kind: stopEmbedded ? 'embedded' : 'external',
    uri,
    isConnected: () => connection.readyState === 1,
    async close() {
      await connection.close();
      await stopEmbedded?.();
    },
  };
}
