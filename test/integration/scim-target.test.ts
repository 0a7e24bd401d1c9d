import { createServer } from 'node:net';
import { type LearnerSnapshot, PlatformAuthError, PlatformUnavailableError, type PlatformUser } from '../../src/licensing/sync/ports.js';
import {
  createScimTarget,
  DEFAULT_SCIM_LICENSE_ATTRIBUTE,
  NOT_ON_PLATFORM,
  type ScimTargetSettings,
} from '../../src/outbound/scim/scim-target.js';
import { LICENSE_EXTENSION, type ScimServer, type ScimServerOptions, type SeedUser, startScimServer } from '../support/scim-server.js';

let server: ScimServer | undefined;

async function start(options: ScimServerOptions = {}): Promise<ScimServer> {
  server = await startScimServer(options);
  return server;
}

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function targetFor(scim: ScimServer, settings: Partial<ScimTargetSettings> = {}) {
  return createScimTarget({ baseUrl: scim.baseUrl, token: scim.token, revokeAll: 'deactivate', createUsers: false, ...settings });
}

function learner(email: string, platformLicenses: string[], overrides: Partial<LearnerSnapshot> = {}): LearnerSnapshot {
  const local = email.split('@')[0] ?? email;
  return {
    learnerId: `lrn_${local}`,
    email,
    name: overrides.name ?? 'Ada Lovelace',
    status: 'active',
    groups: [],
    licenseTypes: platformLicenses.map((name) => name.toLowerCase().replace(/\W+/g, '-')),
    platformLicenses,
    version: 1,
    ...overrides,
  };
}

function many(count: number, prefix = 'learner'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}@example.com`);
}

function seeds(emails: readonly string[], licenses: string[] = []): SeedUser[] {
  return emails.map((userName) => ({ userName, licenses }));
}

function count(scim: ScimServer, method: string, pathEnd: string): number {
  return scim.requests.filter((r) => r.method === method && r.path.endsWith(pathEnd)).length;
}

async function collect(pages: AsyncIterable<PlatformUser[]>): Promise<PlatformUser[][]> {
  const all: PlatformUser[][] = [];
  for await (const page of pages) all.push(page);
  return all;
}

// A port nobody listens on: bound, read, released.
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/scim/v2`;
}

describe.each([
  ['through the Bulk endpoint', true],
  ['with one PATCH per learner', false],
])('SCIM push %s', (_how, bulk) => {
  it('updates the licenses of users the platform already has, found by email', async () => {
    const scim = await start({
      bulk,
      users: [
        { userName: 'ada@example.com', name: 'Ada Lovelace', licenses: ['Learning Core'] },
        { userName: 'grace@example.com', name: 'Grace Hopper', active: false },
      ],
    });
    const target = targetFor(scim);

    const results = await target.push([
      learner('ada@example.com', ['Learning Pro']),
      learner('grace@example.com', ['Coaching', 'Learning Core']),
    ]);

    expect(results).toEqual([
      { kind: 'ok', remoteId: scim.user('ada@example.com')?.id },
      { kind: 'ok', remoteId: scim.user('grace@example.com')?.id },
    ]);
    expect(scim.user('ada@example.com')).toMatchObject({ active: true, licenses: ['Learning Pro'] });
    expect(scim.user('grace@example.com')).toMatchObject({ active: true, licenses: ['Coaching', 'Learning Core'] });
    expect(count(scim, 'POST', '/Bulk')).toBe(bulk ? 1 : 0);
    expect(count(scim, 'PATCH', '')).toBe(bulk ? 0 : 2);
  });

  it('creates learners the platform does not know when creating users is allowed', async () => {
    const scim = await start({ bulk });
    const target = targetFor(scim, { createUsers: true });

    const [result] = await target.push([learner('katherine@example.com', ['Learning Pro'], { name: 'Katherine Coleman Johnson' })]);

    const created = scim.user('katherine@example.com');
    expect(created).toEqual({
      id: expect.any(String),
      userName: 'katherine@example.com',
      active: true,
      licenses: ['Learning Pro'],
      name: 'Katherine Coleman Johnson',
    });
    expect(result).toEqual({ kind: 'ok', remoteId: created?.id });
  });

  it('refuses a learner the platform does not know when creating users is off, with a sentence', async () => {
    const scim = await start({ bulk });
    const target = targetFor(scim);

    const results = await target.push([learner('nobody@example.com', ['Learning Pro'])]);

    expect(results).toEqual([{ kind: 'rejected', reason: NOT_ON_PLATFORM }]);
    expect(scim.users()).toEqual([]);
  });

  it('deactivates a learner left without licenses and keeps the attribute when revoking all means deactivate', async () => {
    const scim = await start({ bulk, users: [{ userName: 'ada@example.com', licenses: ['Learning Pro'] }] });

    const [result] = await targetFor(scim, { revokeAll: 'deactivate' }).push([learner('ada@example.com', [])]);

    expect(result?.kind).toBe('ok');
    expect(scim.user('ada@example.com')).toMatchObject({ active: false, licenses: ['Learning Pro'] });
  });

  it('empties the attribute and leaves the user active when revoking all means empty', async () => {
    const scim = await start({ bulk, users: [{ userName: 'ada@example.com', licenses: ['Learning Pro', 'Coaching'] }] });

    const [result] = await targetFor(scim, { revokeAll: 'empty' }).push([learner('ada@example.com', [])]);

    expect(result?.kind).toBe('ok');
    expect(scim.user('ada@example.com')).toMatchObject({ active: true, licenses: [] });
  });

  it('deactivates a learner deactivated here, whatever they hold', async () => {
    const scim = await start({ bulk, users: [{ userName: 'ada@example.com', licenses: ['Learning Pro'] }] });

    await targetFor(scim, { revokeAll: 'empty' }).push([learner('ada@example.com', ['Learning Pro'], { status: 'deactivated' })]);

    expect(scim.user('ada@example.com')).toMatchObject({ active: false, licenses: ['Learning Pro'] });
  });

  it('refuses a learner the platform has no seat for, in the platform’s own words, and applies the others', async () => {
    const scim = await start({
      bulk,
      seats: { 'Learning Pro': 2 },
      users: [
        { userName: 'holder@example.com', licenses: ['Learning Pro'] },
        { userName: 'ada@example.com', licenses: ['Learning Core'] },
        { userName: 'grace@example.com', licenses: ['Learning Core'] },
      ],
    });

    const results = await targetFor(scim).push([
      learner('ada@example.com', ['Learning Pro']),
      learner('grace@example.com', ['Learning Pro']),
    ]);

    expect(results[0]).toEqual({ kind: 'ok', remoteId: scim.user('ada@example.com')?.id });
    expect(results[1]).toEqual({
      kind: 'rejected',
      status: 400,
      reason: expect.stringContaining('Insufficient licenses for Learning Pro'),
    });
    expect(scim.user('ada@example.com')?.licenses).toEqual(['Learning Pro']);
    expect(scim.user('grace@example.com')?.licenses).toEqual(['Learning Core']);
  });

  it('reports a 429 as a retry after the Retry-After the platform gave, and applies on the next push', async () => {
    const scim = await start({ bulk, users: [{ userName: 'ada@example.com', licenses: ['Learning Core'] }] });
    const target = targetFor(scim);
    await target.push([learner('ada@example.com', ['Learning Core'])]);
    scim.failNext(1, { status: 429, retryAfterSec: 7 });

    const [refused] = await target.push([learner('ada@example.com', ['Learning Pro'])]);

    expect(refused).toEqual({ kind: 'retry', reason: 'Injected fault: HTTP 429', retryAfterMs: 7000 });
    expect(scim.user('ada@example.com')?.licenses).toEqual(['Learning Core']);
    const [again] = await target.push([learner('ada@example.com', ['Learning Pro'])]);
    expect(again?.kind).toBe('ok');
    expect(scim.user('ada@example.com')?.licenses).toEqual(['Learning Pro']);
  });

  it('finds the learner again by email when the id it remembered is gone from the platform', async () => {
    const scim = await start({ bulk, users: [{ userName: 'ada@example.com', licenses: [] }] });

    const [result] = await targetFor(scim).push([learner('ada@example.com', ['Learning Pro'], { remoteId: 'deleted-user-id' })]);

    expect(result).toEqual({ kind: 'ok', remoteId: scim.user('ada@example.com')?.id });
    expect(scim.user('ada@example.com')?.licenses).toEqual(['Learning Pro']);
  });

  it('finds users whose emails hold quotes, backslashes, plus signs and accents', async () => {
    const emails = ['"o\'brien\\q"@example.com', 'ada+sync@example.com', 'zoë.müller@exämple.com'];
    const scim = await start({ bulk, users: seeds(emails) });
    const target = targetFor(scim, { createUsers: true });

    const results = await target.push([...emails, 'renée+new@exämple.com'].map((email) => learner(email, ['Learning Pro'])));

    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(scim.users().map((u) => [u.userName, u.licenses])).toEqual(
      [...emails, 'renée+new@exämple.com'].map((email) => [email, ['Learning Pro']]),
    );
  });
});

describe('SCIM push at scale', () => {
  it('sends 500 learners in a few Bulk requests within the platform’s maxOperations', async () => {
    const emails = many(500);
    const scim = await start({ bulk: { maxOperations: 200 }, users: seeds(emails, ['Learning Core']) });

    const results = await targetFor(scim).push(emails.map((email) => learner(email, ['Learning Pro'])));

    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    expect(scim.users().every((u) => u.active && u.licenses.join() === 'Learning Pro')).toBe(true);
    // ServiceProviderConfig, 10 lookups of 50 emails, 3 Bulk requests of at most 200 operations.
    expect(count(scim, 'GET', '/ServiceProviderConfig')).toBe(1);
    expect(count(scim, 'GET', '/Users')).toBe(10);
    expect(count(scim, 'POST', '/Bulk')).toBe(3);
    expect(scim.requests).toHaveLength(14);
  }, 60_000);

  it('keeps every Bulk request within the platform’s maxPayloadSize', async () => {
    const emails = many(120);
    const scim = await start({ bulk: { maxPayloadSize: 16_384 }, users: seeds(emails) });

    const results = await targetFor(scim).push(emails.map((email) => learner(email, ['Learning Pro', 'Coaching'])));

    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    expect(count(scim, 'POST', '/Bulk')).toBeGreaterThan(1);
    expect(scim.requests.filter((r) => r.status === 413)).toEqual([]);
    expect(scim.users().every((u) => u.licenses.join() === 'Learning Pro,Coaching')).toBe(true);
  }, 60_000);

  it('sends one PATCH per learner from then on when the announced Bulk endpoint turns out to be missing', async () => {
    const emails = many(3);
    const scim = await start({ users: seeds(emails) });
    const target = targetFor(scim);
    await target.push(emails.map((email) => learner(email, [])));
    scim.clearLog();
    scim.failNext(1, { status: 501 });

    const results = await target.push(emails.map((email) => learner(email, ['Coaching'])));
    await target.push(emails.map((email) => learner(email, ['Learning Pro'])));

    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(scim.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 501', ...Array(6).fill('PATCH 200')]);
    expect(scim.users().every((u) => u.licenses.join() === 'Learning Pro')).toBe(true);
  });

  it('needs no lookups for learners whose platform ids it already knows', async () => {
    const emails = many(500);
    const scim = await start({ users: seeds(emails) });
    const remembered = emails.map((email) => learner(email, ['Learning Pro'], { remoteId: scim.user(email)?.id ?? 'missing' }));

    const results = await targetFor(scim).push(remembered);

    expect(results.map((r) => r.kind === 'ok' && r.remoteId)).toEqual(remembered.map((l) => l.remoteId));

    // ServiceProviderConfig and one Bulk request of 500 operations.
    expect(scim.requests.map((r) => `${r.method} ${r.path.replace(/^\/scim\/v2/, '')}`)).toEqual([
      'GET /ServiceProviderConfig',
      'POST /Bulk',
    ]);
    expect(scim.users().every((u) => u.licenses.join() === 'Learning Pro')).toBe(true);
  }, 60_000);

  it('sends one PATCH per learner, eight at a time, when the platform has no Bulk endpoint', async () => {
    const emails = many(500);
    const scim = await start({ bulk: false, users: seeds(emails) });

    const results = await targetFor(scim).push(emails.map((email) => learner(email, ['Coaching'])));

    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    expect(scim.users().every((u) => u.licenses.join() === 'Coaching')).toBe(true);
    expect(count(scim, 'PATCH', '')).toBe(500);
    expect(count(scim, 'POST', '/Bulk')).toBe(0);
    // ServiceProviderConfig, 10 lookups, 500 PATCHes.
    expect(scim.requests).toHaveLength(511);
  }, 60_000);
});

describe('SCIM credentials and outages', () => {
  it('reports a token the platform refuses as unauthorized for every learner, and resumes once it is accepted again', async () => {
    const scim = await start({ users: [{ userName: 'ada@example.com' }, { userName: 'grace@example.com' }] });
    const original = scim.token;
    const target = targetFor(scim);
    scim.setToken('rotated-on-the-platform');

    const results = await target.push([learner('ada@example.com', ['Learning Pro']), learner('grace@example.com', ['Learning Pro'])]);
    const probe = await target.probe();

    expect(results).toEqual([
      { kind: 'unauthorized', status: 401, reason: expect.stringContaining('token') },
      { kind: 'unauthorized', status: 401, reason: expect.stringContaining('token') },
    ]);
    expect(probe).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(JSON.stringify([results, probe])).not.toContain(original);
    expect(scim.user('ada@example.com')?.licenses).toEqual([]);

    scim.setToken(original);
    expect(await target.probe()).toEqual({ kind: 'ok' });
    expect((await target.push([learner('ada@example.com', ['Learning Pro'])]))[0]?.kind).toBe('ok');
    expect(scim.user('ada@example.com')?.licenses).toEqual(['Learning Pro']);
  });

  it('reports a 401 on the write itself as unauthorized', async () => {
    const scim = await start({ users: [{ userName: 'ada@example.com' }] });
    const target = targetFor(scim);
    await target.push([learner('ada@example.com', [])]);
    scim.failNext(1, { status: 401 });

    expect(await target.push([learner('ada@example.com', ['Learning Pro'])])).toEqual([
      { kind: 'unauthorized', status: 401, reason: 'Injected fault: HTTP 401' },
    ]);
  });

  it('reports an outage of the whole Bulk request as a retry for every learner in it', async () => {
    const scim = await start({ users: seeds(['ada@example.com', 'grace@example.com']) });
    const target = targetFor(scim);
    await target.push([learner('ada@example.com', []), learner('grace@example.com', [])]);
    scim.failFor(60_000, { status: 503, retryAfterSec: 30 });

    const results = await target.push([learner('ada@example.com', ['Learning Pro']), learner('grace@example.com', ['Learning Pro'])]);

    expect(results).toEqual([
      { kind: 'retry', reason: 'Injected fault: HTTP 503', retryAfterMs: 30_000 },
      { kind: 'retry', reason: 'Injected fault: HTTP 503', retryAfterMs: 30_000 },
    ]);
    expect(await target.probe()).toMatchObject({ kind: 'retry', retryAfterMs: 30_000 });
  });

  it('reports a platform that is not listening as a retry', async () => {
    const target = createScimTarget({ baseUrl: await closedPortUrl(), token: 'secret-token', revokeAll: 'deactivate', createUsers: false });

    const [result] = await target.push([learner('ada@example.com', ['Learning Pro'])]);

    expect(result).toEqual({ kind: 'retry', reason: expect.stringMatching(/did not answer: ECONNREFUSED/) });
    expect(await target.probe()).toMatchObject({ kind: 'retry' });
  });

  it('reports a platform slower than the timeout as a retry', async () => {
    const scim = await start({ users: [{ userName: 'ada@example.com' }] });
    scim.slow(1500);

    const [result] = await targetFor(scim, { timeoutMs: 1000 }).push([learner('ada@example.com', ['Learning Pro'])]);

    expect(result).toEqual({ kind: 'retry', reason: expect.stringContaining('no answer within 1 s') });
  });

  it('describes itself by its base URL and never by its token', async () => {
    const target = createScimTarget({ baseUrl: 'https://scim.example.com/scim/v2/', token: 'tok', revokeAll: 'empty', createUsers: false });
    expect(target.describe()).toBe('SCIM at https://scim.example.com/scim/v2');
    expect(target.kind).toBe('scim');
  });

  it('refuses settings without a token, with credentials in the URL or with a concurrency below one', () => {
    const base = { baseUrl: 'https://scim.example.com/scim/v2', token: 'tok', revokeAll: 'empty', createUsers: false } as const;
    expect(() => createScimTarget({ ...base, token: ' ' })).toThrow('The SCIM token must not be empty.');
    expect(() => createScimTarget({ ...base, baseUrl: 'https://user:pw@scim.example.com/v2' })).toThrow(/must not contain credentials/);
    expect(() => createScimTarget({ ...base, concurrency: 0 })).toThrow(/at least 1/);
    expect(DEFAULT_SCIM_LICENSE_ATTRIBUTE).toBe(`${LICENSE_EXTENSION}:licenseType`);
  });
});

describe('SCIM directory', () => {
  it('pages through 250 users, 100 at a time, with their names, groups, status and licenses', async () => {
    const emails = many(250, 'member');
    const scim = await start({
      users: emails.map((userName, i) => ({
        userName: i === 0 ? 'Member000@Example.com' : userName,
        name: `Member ${i}`,
        active: i % 10 !== 0,
        licenses: i % 2 === 0 ? ['Learning Pro'] : ['Learning Core', 'Coaching'],
        groups: i % 3 === 0 ? ['Sales', 'EMEA'] : ['Support'],
      })),
    });

    const pages = await collect(targetFor(scim).users());

    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    const users = pages.flat();
    expect(new Set(users.map((u) => u.email)).size).toBe(250);
    expect(users[0]).toEqual({
      remoteId: scim.user('Member000@Example.com')?.id,
      email: 'member000@example.com',
      name: 'Member 0',
      active: false,
      groups: ['Sales', 'EMEA'],
      platformLicenses: ['Learning Pro'],
    });
    expect(users[1]).toMatchObject({
      email: 'member001@example.com',
      active: true,
      groups: ['Support'],
      platformLicenses: ['Learning Core', 'Coaching'],
    });
    expect(scim.requests.map((r) => r.query)).toEqual([
      '?startIndex=1&count=100',
      '?startIndex=101&count=100',
      '?startIndex=201&count=100',
    ]);
  });

  it('reads groups from another attribute when told to', async () => {
    const scim = await start({ users: [{ userName: 'ada@example.com', name: 'Ada Lovelace', licenses: ['Coaching'] }] });

    const [[user]] = (await collect(targetFor(scim, { groupsAttribute: 'displayName' }).users(10))) as [[PlatformUser]];

    expect(user.groups).toEqual(['Ada Lovelace']);
  });

  it('waits out a 429 with Retry-After and goes on reading', async () => {
    const scim = await start({ users: seeds(many(3)) });
    scim.failNext(1, { status: 429, retryAfterSec: 1 });

    const pages = await collect(targetFor(scim).users());

    expect(pages.flat()).toHaveLength(3);
    expect(scim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('stops with a PlatformAuthError when the token is refused', async () => {
    const scim = await start({ users: seeds(many(3)) });
    scim.setToken('another');

    await expect(collect(targetFor(scim).users())).rejects.toThrow(PlatformAuthError);
    await expect(collect(targetFor(scim).users())).rejects.toThrow(
      'The platform refused the SCIM token (HTTP 401) while listing its users: The bearer token is missing or not valid.',
    );
  });

  it('stops with a PlatformUnavailableError when the platform asks to wait longer than a read should', async () => {
    const scim = await start({ users: seeds(many(3)) });
    scim.failFor(60_000, { status: 503, retryAfterSec: 600 });

    const reading = collect(targetFor(scim).users());

    await expect(reading).rejects.toThrow(PlatformUnavailableError);
    await expect(reading).rejects.toThrow('The platform could not list its users (HTTP 503 after 1 try): Injected fault: HTTP 503.');
  });
});
