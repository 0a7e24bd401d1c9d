import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { loadDatabaseConfig } from '../config.js';
import { connectDatabase, type Database, DatabaseStartError, openRepositories, type Repositories } from '../db/index.js';
import type { ExportStore, ImportDeps } from '../licensing/transfer/ports.js';

/** Where a command writes, and the environment it reads (process.* in production, buffers in tests). */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

/** A failure to report as one plain message (exit code 1), without a stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** What the data commands use: the licensing stores over one connection. */
export interface CliContext extends ImportDeps {
  exports: ExportStore;
  /** Every repository, for commands that need more than import and export (sync). */
  repositories: Repositories;
}

/** Connects with the database settings of `env`, runs `fn`, and always disconnects. */
export async function withDatabase<T>(io: CliIo, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadDatabaseConfig(io.env);
  let db: Database;
  try {
    db = await connectDatabase({ uri: config.mongodbUri, dataDir: config.dataDir, dbName: config.mongodbDbName });
  } catch (error) {
    if (error instanceof DatabaseStartError) throw new CliError(error.message);
    throw error;
  }
  try {
    const repositories = await openRepositories(db.connection);
    const { store, imports, exports } = repositories;
    return await fn({
      store,
      imports,
      exports,
      repositories,
      owner: `cli:${hostname()}:${process.pid}`,
      now: () => new Date(),
      newRunId: () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    });
  } finally {
    await db.close();
  }
}

/** Writes one line to a stream. */
export function say(stream: Writable, text: string): void {
  stream.write(`${text}\n`);
}

/** Formats a count for people: 12,345. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
