import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { sendSlashCommand } from '../support/slack-requests.js';

/**
 * What the image does, without Docker: compile src/ only (tsconfig.app.json), install the
 * production dependencies alone from the lock file (`npm ci --omit=dev`, from npm's cache when it
 * has them) in a folder with no node_modules above it, and run `license-bot serve` from there.
 * A dev dependency imported at run time would fail the start or the requests below.
 */
const run = promisify(execFile);
const root = process.cwd();
const SIGNING_SECRET = 'production-install-secret';

let dir: string;
let slack: FakeSlack;
let bot: ChildProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'license-bot-prod-'));
  await run(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.app.json', '--outDir', path.join(dir, 'dist')],
    {
      cwd: root,
    },
  );
  for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(root, file), path.join(dir, file));
  cpSync(path.join(root, 'bin'), path.join(dir, 'bin'), { recursive: true });
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: dir,
    env: { ...process.env, MONGOMS_DISABLE_POSTINSTALL: '1', NODE_ENV: 'production' },
  });
  slack = await startFakeSlack();
}, 300_000);

afterAll(async () => {
  if (bot && bot.exitCode === null) bot.kill('SIGKILL');
  await slack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('installs no dev dependency', () => {
  const installed = new Set(
    readdirSync(path.join(dir, 'node_modules')).flatMap((name) =>
      name.startsWith('@') ? readdirSync(path.join(dir, 'node_modules', name)).map((sub) => `${name}/${sub}`) : [name],
    ),
  );
  // express is not among them: Bolt's HTTP receiver depends on it.
  for (const dev of ['typescript', 'jest', 'ts-jest', 'tsx', '@biomejs/biome', 'scimmy', 'scimmy-routers', 'dclint', 'dockerfile-utils'])
    expect(installed.has(dev)).toBe(false);
  for (const dep of ['@slack/bolt', 'agenda', 'mongoose', 'pino', 'prom-client']) expect(installed.has(dep)).toBe(true);
});

/** Starts `license-bot serve` from the production install, collecting its JSON log lines. */
function startBot(): { lines: Record<string, unknown>[]; stderr: () => string; exited: Promise<number | null> } {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup should have set it');
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  bot = spawn(process.execPath, ['bin/license-bot.js', 'serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      SLACK_BOT_TOKEN: 'xoxb-production-install',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      MONGODB_URI: uri,
      MONGODB_DB_NAME: `prod_${randomBytes(5).toString('hex')}`,
      PORT: '0',
      LICENSE_ADMINS: 'UADMIN1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  bot.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  bot.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => bot?.once('exit', (code) => resolve(code)));
  return { lines, stderr: () => stderr, exited };
}

async function waitForLine(lines: Record<string, unknown>[], msg: string): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + 60_000;
  let found: Record<string, unknown> | undefined;
  while (!found && Date.now() < deadline && bot?.exitCode === null) {
    found = lines.find((line) => line.msg === msg);
    if (!found) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return found;
}

it('serves Slack, /healthz and /metrics from the production install, and stops on SIGTERM', async () => {
  const { lines, stderr, exited } = startBot();
  const started = await waitForLine(lines, 'slack app started');
  expect(stderr()).toBe('');
  expect(started).toEqual(expect.objectContaining({ mode: 'http', port: expect.any(Number) }));
  const baseUrl = `http://127.0.0.1:${String(started?.port)}`;

  expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
  const metrics = await fetch(`${baseUrl}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('license_bot_slack_request_duration_seconds');
  const help = await sendSlashCommand(baseUrl, SIGNING_SECRET, {
    user_id: 'UADMIN1',
    channel_id: 'CHELP',
    text: 'help',
    response_url: slack.responseUrl(),
  });
  expect(help.status).toBe(200);
  await slack.waitFor('response_url', () => true, 10_000);

  bot?.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  expect(lines.every((line) => typeof line.level === 'string' && typeof line.time === 'string')).toBe(true);
}, 90_000);

it('stops cleanly on a SIGTERM that comes while it is still starting', async () => {
  // An orchestrator may stop a replica it has just started: the signal must not kill it half-started.
  const { lines, stderr, exited } = startBot();
  expect(await waitForLine(lines, 'database connected')).toBeDefined();
  bot?.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stderr()).toBe('');
  const messages = lines.map((line) => line.msg);
  expect(messages).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  expect(messages.indexOf('stopped')).toBeGreaterThan(messages.indexOf('shutting down'));
}, 90_000);
