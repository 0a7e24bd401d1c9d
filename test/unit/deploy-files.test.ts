import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';

/**
 * These machines have the Docker client but no engine, so the image and the compose file are
 * checked as far as that allows: Dockerfile parsed and linted (dockerfile-utils), compose.yaml
 * validated against the Compose schema and linted (dclint), `docker compose config` when the
 * compose plugin is there, and what a deployment depends on asserted on the parsed files.
 */
const run = promisify(execFile);
const root = process.cwd();
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const dclint = path.join(root, 'node_modules', 'dclint', 'bin', 'dclint.cjs');

describe('the Dockerfile', () => {
  const text = read('Dockerfile');
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const froms = dockerfile.getFROMs();
  const runtimeStart = froms[froms.length - 1]?.getRange().start.line ?? 0;
  const runtime = instructions.filter((instruction) => instruction.getRange().start.line >= runtimeStart);
  const args = (keyword: string) =>
    runtime.filter((instruction) => instruction.getKeyword() === keyword).map((instruction) => instruction.getArgumentsContent() ?? '');

  it('parses and passes the linter without a problem', () => {
    expect(validate(text).map((diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`)).toEqual([]);
  });

  it('lints a broken Dockerfile as broken (the check can fail)', () => {
    expect(validate('FROM node:20\nCMD\nHEALTHCHECK --interval=oops CMD true\n').length).toBeGreaterThan(0);
  });

  it('builds with dev dependencies in one stage and runs with production ones only in another', () => {
    expect(froms.map((from) => from.getBuildStage())).toEqual(['build', 'runtime']);
    expect(text).toMatch(/FROM [^\n]+ AS build\n[\s\S]*RUN npm ci --no-audit --no-fund\n/);
    expect(args('RUN')).toContain('npm ci --omit=dev --no-audit --no-fund && npm cache clean --force');
    expect(text).toMatch(/\nCOPY --from=build \/app\/dist\/src \.\/dist\/src\n/);
    expect(runtime.map((instruction) => instruction.getKeyword())).not.toContain('ADD');
  });

  it('runs as the unprivileged node user, checks /healthz and starts node itself on SIGTERM-friendly terms', () => {
    expect(args('USER')).toEqual(['node']);
    expect(args('HEALTHCHECK').join(' ')).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(args('STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(args('CMD')).toEqual(['["node", "bin/license-bot.js", "serve"]']);
    expect(args('ENTRYPOINT')).toEqual([]);
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.env', '.env.*', 'node_modules', 'dist', '.git', 'test', 'bench']));
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as {
    services: Record<string, Record<string, unknown> & { command?: string[] | string; depends_on?: Record<string, { condition: string }> }>;
  };
  const services = compose.services;

  it('passes the Compose schema and the linter without a warning', async () => {
    await expect(run(process.execPath, [dclint, '--max-warnings', '0', 'compose.yaml'], { cwd: root })).resolves.toBeDefined();
  });

  it('fails the linter for a file the Compose schema refuses (the check can fail)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-'));
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  bot:\n    image: 12\n    deploy:\n      replicas: two\n');
    await expect(run(process.execPath, [dclint, path.join(dir, 'compose.yaml')], { cwd: root })).rejects.toThrow();
  });

  it('starts a three-member replica set and initiates it with a one-shot service', () => {
    const members = ['mongo1', 'mongo2', 'mongo3'];
    for (const name of members) {
      expect(services[name]?.command).toEqual(['mongod', '--replSet', 'rs0', '--bind_ip_all', '--port', '27017']);
      expect(services[name]?.healthcheck).toBeDefined();
    }
    const init = services['mongo-init'];
    expect(init?.restart).toBe('no');
    expect(init?.depends_on).toEqual(Object.fromEntries(members.map((name) => [name, { condition: 'service_healthy' }])));
    const script = ((init?.command as string[] | undefined) ?? []).join(' ');
    for (const name of members) expect(script).toContain(`host: '${name}:27017'`);
    expect(script).toContain('rs.initiate');
  });

  it('runs two bot replicas on the replica set, after the initiation, behind one published port', () => {
    const bot = services.bot;
    expect(bot?.deploy).toEqual({ replicas: 2 });
    expect(bot?.init).toBe(true);
    expect(bot?.ports).toBeUndefined();
    expect(bot?.depends_on).toEqual({ 'mongo-init': { condition: 'service_completed_successfully' } });
    // The plain form: Compose v1 and v2 both read it, and both stop when .env is missing.
    expect(bot?.env_file).toBe('.env');
    expect((bot?.environment as Record<string, string> | undefined)?.MONGODB_URI).toBe(
      'mongodb://mongo1:27017,mongo2:27017,mongo3:27017/license-bot?replicaSet=rs0',
    );
    const published = Object.values(services).flatMap((service) => (service.ports as string[] | undefined) ?? []);
    // The host port comes from BOT_PORT when compose runs, hence the literal `${…}`.
    expect(published).toEqual([`0.0.0.0:${'$'}{BOT_PORT:-3000}:8080`]);
    expect(read('deploy/nginx.conf')).toMatch(/set \$bot http:\/\/bot:3000;[\s\S]*proxy_pass \$bot;/);
  });

  it('gives a stopping bot longer than its own drain of running jobs', () => {
    expect(services.bot?.stop_grace_period).toBe('40s');
  });
});

/**
 * `docker compose config` (the Compose v2 plugin) or `docker-compose config` (v1, Debian's
 * docker-compose, which .ci/install-packages installs): either parses and validates the file
 * without a Docker engine. Neither → the test fails with the way to get one, never passes silently.
 */
async function composeCommand(): Promise<[string, string[]]> {
  for (const [command, prefix] of [
    ['docker', ['compose']],
    ['docker-compose', []],
  ] as [string, string[]][]) {
    try {
      await run(command, [...prefix, 'version']);
      return [command, prefix];
    } catch {
      // not installed: try the next one
    }
  }
  throw new Error('Neither `docker compose` nor `docker-compose` is installed; run .ci/install-packages (apt-get install docker-compose).');
}

describe('docker compose config', () => {
  it('accepts compose.yaml', async () => {
    const [command, prefix] = await composeCommand();
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-config-'));
    writeFileSync(path.join(dir, '.env'), 'SLACK_BOT_TOKEN=xoxb-x\nSLACK_SIGNING_SECRET=secret-secret\n');
    const { stdout } = await run(command, [...prefix, '--project-directory', dir, '-f', path.join(root, 'compose.yaml'), 'config']);
    expect(stdout).toContain('replicaSet=rs0');
    expect(stdout).toContain('SLACK_BOT_TOKEN: xoxb-x');
  });

  it('refuses a compose file that is not one, so the check above can fail', async () => {
    const [command, prefix] = await composeCommand();
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-bad-'));
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  bot:\n    restart: sometimes-maybe\n    ports: 3000\n');
    await expect(run(command, [...prefix, '--project-directory', dir, '-f', path.join(dir, 'compose.yaml'), 'config'])).rejects.toThrow();
  });
});
