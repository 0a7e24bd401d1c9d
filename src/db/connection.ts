import { mkdirSync } from 'node:fs';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';

/**
 * The mongod the embedded database runs. Named here, not left to mongodb-memory-server, which reads
 * it from the package.json it finds above the working folder (and falls back to its own default
 * elsewhere): a bot started from another folder would start another mongod on the same files.
 * package.json's `config.mongodbMemoryServer.version` (used by the tests) must say the same.
 */
export const EMBEDDED_MONGOD_VERSION = '7.0.14';

/** The database could not be reached or started at start-up; `message` is one sentence for people. */
export class DatabaseStartError extends Error {
  readonly code = 'database_start_failed';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartError';
  }
}

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
    const server = await startEmbedded(path.resolve(options.dataDir ?? './.data'));
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
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    await stopEmbedded?.().catch(() => undefined);
    throw new DatabaseStartError(
      stopEmbedded
        ? `Could not connect to the embedded MongoDB (${firstLine(error)}).`
        : `Could not connect to the MongoDB in MONGODB_URI (${firstLine(error)}); check that it is running and reachable from here.`,
    );
  }
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

/**
 * Starts mongod on `dbPath`, downloading it first when this machine has never had it. Failures
 * become one sentence: mongodb-memory-server would print a stack trace to the console instead.
 */
async function startEmbedded(dbPath: string) {
  const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server');
  const version = EMBEDDED_MONGOD_VERSION;
  try {
    await MongoBinary.getPath({ version });
  } catch (error) {
    throw new DatabaseStartError(
      `The embedded MongoDB ${version} could not be downloaded (${firstLine(error)}): set MONGODB_URI to a MongoDB you run (7.0 or later), or start the bot once on a machine that can reach the internet.`,
    );
  }
  try {
    mkdirSync(dbPath, { recursive: true });
    return await withoutConsoleWarnings(() =>
      MongoMemoryServer.create({ binary: { version }, instance: { dbPath, storageEngine: 'wiredTiger' } }),
    );
  } catch (error) {
    throw new DatabaseStartError(
      `The embedded MongoDB ${version} could not start in ${dbPath} (${firstLine(error)}): if another bot or license-bot command uses that folder, stop it first, or set MONGODB_URI.`,
    );
  }
}

/** mongodb-memory-server warns with a stack trace on the console before it rethrows; the caller reports the error itself. */
async function withoutConsoleWarnings<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/** The error's message on one line, short enough for a sentence (never its stack). */
function firstLine(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text || 'unknown error';
}
