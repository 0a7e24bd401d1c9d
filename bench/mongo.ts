import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';

/** The MongoDB the bench runs against. */
export interface BenchMongo {
  uri: string;
  /** How it was found, for the output: "MONGODB_URI" or "../shared/mongo-lite (started by the bench)". */
  origin: string;
  /** "MongoDB 7.0.14" or "mongo-lite 7.0.0 (in-memory stand-in)". */
  server: string;
  /** CPU time the server process has used so far (ms), when the bench started it on Linux. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/**
 * MONGODB_URI when set; otherwise starts ../shared/mongo-lite on a free port, as the tests do
 * (CPU-profiled into `profileDir` when given).
 */
export async function findMongo(root: string, profileDir?: string): Promise<BenchMongo> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv)
    return {
      uri: fromEnv,
      origin: 'MONGODB_URI',
      server: await describeServer(fromEnv),
      cpuMs: () => undefined,
      stop: async () => undefined,
    };

  const server = path.resolve(root, '../shared/mongo-lite/server.mjs');
  if (!existsSync(server))
    throw new Error('MONGODB_URI is not set and ../shared/mongo-lite was not found: set MONGODB_URI to a MongoDB 7 server.');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-mongo-lite-'));
  const portFile = path.join(dir, 'port');
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=mongo-lite.cpuprofile'] : [];
  const child = spawn(process.execPath, [...profile, server, '--port', '0', '--port-file', portFile, '--quiet'], { stdio: 'ignore' });
  for (let i = 0; i < 150 && !existsSync(portFile); i += 1) await sleep(100);
  const port = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
  if (!port) {
    child.kill('SIGKILL');
    throw new Error('../shared/mongo-lite did not start within 15 s');
  }
  const uri = `mongodb://127.0.0.1:${port}`;
  return {
    uri,
    origin: `../shared/mongo-lite, started by the bench (pid ${child.pid})`,
    server: await describeServer(uri),
    cpuMs: () => (child.pid ? processCpuMs(child.pid) : undefined),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of a process from /proc (Linux), in ms. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of the line (11 and 12 after "pid (comm) "), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function describeServer(uri: string): Promise<string> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const version = String(info.version);
    return info.gitVersion === 'mongo-lite' ? `mongo-lite ${version} (in-memory stand-in, not MongoDB)` : `MongoDB ${version}`;
  } finally {
    await client.close();
  }
}

/** Drops a bench database (every run uses fresh ones). */
export async function dropDatabase(uri: string, dbName: string): Promise<void> {
  const client = await MongoClient.connect(uri);
  try {
    await client.db(dbName).dropDatabase();
  } finally {
    await client.close();
  }
}
