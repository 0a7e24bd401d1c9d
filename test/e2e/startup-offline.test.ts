import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EMBEDDED_MONGOD_VERSION } from '../../src/db/connection.js';

const repo = process.cwd();
const loader = pathToFileURL(path.join(repo, 'node_modules/tsx/dist/loader.mjs')).href;
const cli = path.join(repo, 'src/cli/main.ts');

/** Runs `license-bot serve` in `cwd` with only the given environment; resolves with what it printed. */
function serveIn(cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', loader, cli, 'serve'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('starting without MONGODB_URI on a machine that cannot download MongoDB', () => {
  let home: string;
  beforeEach(() => {
    // An empty home and working folder: no cached mongod, no package.json with a version in it.
    home = mkdtempSync(path.join(tmpdir(), 'license-bot-offline-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('fails in one plain sentence naming the embedded MongoDB and MONGODB_URI, whatever the working folder', async () => {
    const { code, output } = await serveIn(home, {
      HOME: home,
      SLACK_BOT_TOKEN: 'xoxb-offline-test',
      SLACK_SIGNING_SECRET: 'offline-signing-secret',
      DATA_DIR: path.join(home, 'data'),
      MONGOMS_DOWNLOAD_DIR: path.join(home, 'binaries'),
      // Nothing listens on port 9: the download fails at once, as it does offline.
      MONGOMS_DOWNLOAD_MIRROR: 'https://127.0.0.1:9',
    });
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`The embedded MongoDB ${EMBEDDED_MONGOD_VERSION} could not be downloaded`);
    expect(lines[0]).toContain('set MONGODB_URI');
    expect(output).not.toMatch(/\n\s+at |"stack"/);
  });

  it('uses the same mongod version as the one the tests and package.json name', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
      config: { mongodbMemoryServer: { version: string } };
    };
    expect(EMBEDDED_MONGOD_VERSION).toBe(pkg.config.mongodbMemoryServer.version);
  });
});
