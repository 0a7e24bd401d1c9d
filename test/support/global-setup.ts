import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Finds a MongoDB for the tests, in this order: MONGODB_URI; mongodb-memory-server (a real
 * mongod, on machines that can download it); ../shared/mongo-lite; otherwise a clear failure.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) {
    console.log(`\n[tests] database: MONGODB_URI (${redact(process.env.MONGODB_URI)})`);
    return;
  }
  const problems: string[] = [];
  if (process.env.TEST_SKIP_MEMORY_SERVER !== '1') {
    try {
      const { MongoMemoryServer } = await import('mongodb-memory-server');
      const server = await withTimeout(MongoMemoryServer.create(), 120_000);
      process.env.MONGODB_URI = server.getUri();
      (globalThis as { __MONGO_STOP__?: () => Promise<unknown> }).__MONGO_STOP__ = () => server.stop();
      console.log(`\n[tests] database: mongodb-memory-server (${process.env.MONGODB_URI})`);
      return;
    } catch (error) {
      problems.push(`mongodb-memory-server: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  const liteServer = path.resolve(process.cwd(), '../shared/mongo-lite/server.mjs');
  if (existsSync(liteServer)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mongo-lite-'));
    const portFile = path.join(dir, 'port');
    const child = spawn(process.execPath, [liteServer, '--port', '0', '--port-file', portFile, '--quiet'], {
      stdio: 'ignore',
      detached: false,
    });
    for (let i = 0; i < 150 && !existsSync(portFile); i += 1) await sleep(100);
    const port = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
    if (port) {
      process.env.MONGODB_URI = `mongodb://127.0.0.1:${port}`;
      (globalThis as { __MONGO_STOP__?: () => Promise<unknown> }).__MONGO_STOP__ = async () => void child.kill('SIGTERM');
      console.log(`\n[tests] database: ../shared/mongo-lite (${process.env.MONGODB_URI}); ${problems.join('; ')}`);
      return;
    }
    child.kill('SIGKILL');
    problems.push('../shared/mongo-lite did not start within 15 s');
  } else {
    problems.push('../shared/mongo-lite not found');
  }
  throw new Error(`No MongoDB for the tests. Set MONGODB_URI to a MongoDB 7 server.\n  - ${problems.join('\n  - ')}`);
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]+@/, '//***@');
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
