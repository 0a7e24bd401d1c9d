import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

/**
 * A real SCIM 2.0 service provider for tests: SCIMMY parses, filters, patches and runs Bulk
 * requests; this file only keeps the users in memory, counts seats and, in front of the SCIM
 * router, injects faults and logs requests. SCIMMY keeps its declarations and its
 * ServiceProviderConfig in module state, so every server of a test process shares one User
 * declaration (each server passes its own store as the handlers' context) and the Bulk setting
 * is applied per request: run one server's requests at a time.
 */

/** The license extension this server declares; the adapter's default points at it. */
export const LICENSE_EXTENSION = 'urn:ietf:params:scim:schemas:extension:udemy:2.0:User';
const LICENSE_NAME = 'licenseType';
const MOUNT = '/scim/v2';

/** A user as a test seeds it. */
export interface SeedUser {
  userName: string;
  name?: string;
  active?: boolean;
  licenses?: string[];
  /** Group names, listed in the read-only `groups` attribute as `display`. */
  groups?: string[];
  /** Seed a primary email different from `userName`. */
  email?: string;
}

/** A user as the server holds it, for assertions. */
export interface HeldUser {
  id: string;
  userName: string;
  active: boolean;
  licenses: string[];
  name?: string;
}

/** What an injected fault answers. */
export interface Fault {
  status: number;
  retryAfterSec?: number;
  /** JSON body; a SCIM error body is built from the status when absent. */
  body?: unknown;
}

/** One request as it reached the server (faults included). */
export interface LoggedRequest {
  method: string;
  /** Path without the query, e.g. `/scim/v2/Users`. */
  path: string;
  query: string;
  status: number;
  /** When the request arrived and how long the answer took (ms). */
  at: number;
  ms: number;
}

export interface ScimServerOptions {
  token?: string;
  /** `false` answers Bulk as unsupported; a number sets maxOperations. Default: supported, 1000. */
  bulk?: boolean | { maxOperations?: number; maxPayloadSize?: number };
  /** Seats per license name; a license not listed is unlimited. */
  seats?: Record<string, number>;
  users?: SeedUser[];
}

export interface ScimServer {
  /** e.g. `http://127.0.0.1:4321/scim/v2` */
  baseUrl: string;
  /** The token the server started with, which clients are configured with; setToken changes what it accepts. */
  token: string;
  stop(): Promise<void>;
  /** The next `n` requests answer `fault` instead of reaching SCIM. */
  failNext(n: number, fault: Fault): void;
  /** Every request during the next `ms` answers `fault` (an outage). */
  failFor(ms: number, fault: Fault): void;
  /** Delays every request by `ms` (0 to stop). */
  slow(ms: number): void;
  /** The token the server accepts from now on (the client's stays what it was). */
  setToken(token: string): void;
  requests: LoggedRequest[];
  clearLog(): void;
  users(): HeldUser[];
  user(userName: string): HeldUser | undefined;
  addUsers(seed: readonly SeedUser[]): HeldUser[];
}

interface StoredUser {
  id: string;
  userName: string;
  name?: { formatted?: string; givenName?: string; familyName?: string };
  displayName?: string;
  emails?: { value: string; primary?: boolean; type?: string }[];
  active: boolean;
  licenses: string[];
  groups: { value: string; display: string }[];
  created: Date;
  lastModified: Date;
}

interface Store {
  users: Map<string, StoredUser>;
  seats: Record<string, number>;
}

type ScimUser = Record<string, unknown> & { id: string; userName: string };

/** Starts a SCIM service provider on 127.0.0.1 (a free port) with the given users and seats. */
export async function startScimServer(options: ScimServerOptions = {}): Promise<ScimServer> {
  declareUserResource();
  const store: Store = { users: new Map(), seats: options.seats ?? {} };
  const initialToken = options.token ?? `scim-${randomUUID()}`;
  const state = { token: initialToken, delayMs: 0 };
  const faults: { remaining: number; until: number; fault: Fault }[] = [];
  const requests: LoggedRequest[] = [];
  const bulk = bulkConfig(options.bulk);
  for (const seed of options.users ?? []) seedUser(store, seed);

  const authorised = (req: Request) => req.header('authorization') === `Bearer ${state.token}`;

  const app = express();
  app.use((req: Request, res: Response, next: NextFunction) => {
    const url = new URL(req.originalUrl, 'http://localhost');
    const at = Date.now();
    res.on('finish', () =>
      requests.push({ method: req.method, path: url.pathname, query: url.search, status: res.statusCode, at, ms: Date.now() - at }),
    );
    // scimmy-routers turns startIndex and count into numbers on req.query in place, but Express 5
    // parses req.query afresh on every read, so the numbers are lost and paging is ignored: pin
    // one parsed object for the request.
    Object.defineProperty(req, 'query', { value: req.query, writable: true, configurable: true, enumerable: true });
    void (async () => {
      if (state.delayMs > 0) await sleep(state.delayMs);
      const fault = takeFault(faults);
      if (fault) return sendFault(res, fault);
      // SCIMMY's configuration is module state: apply this server's Bulk setting for this request.
      SCIMMY.Config.set('bulk', bulk);
      if (authorised(req) && (await answeredEscapedFilter(req, res, store))) return;
      next();
    })().catch(next);
  });
  // The router sizes its JSON body limit from the configuration it finds when it is built.
  SCIMMY.Config.set('bulk', bulk);
  app.use(
    MOUNT,
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        if (!authorised(req)) throw new Error('The bearer token is missing or not valid');
        return 'test-admin';
      },
      context: () => store,
    }),
  );

  const server = await listen(app);
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${MOUNT}`,
    token: initialToken,
    stop: () => close(server),
    failNext: (n, fault) => void faults.push({ remaining: n, until: Number.POSITIVE_INFINITY, fault }),
    failFor: (ms, fault) => void faults.push({ remaining: Number.POSITIVE_INFINITY, until: Date.now() + ms, fault }),
    slow: (ms) => {
      state.delayMs = ms;
    },
    setToken: (token) => {
      state.token = token;
    },
    requests,
    clearLog: () => {
      requests.length = 0;
    },
    users: () => [...store.users.values()].map(held),
    user: (userName) => {
      const found = findByUserName(store, userName);
      return found ? held(found) : undefined;
    },
    addUsers: (seed) => seed.map((user) => held(seedUser(store, user))),
  };
}

function bulkConfig(option: ScimServerOptions['bulk']): { supported: boolean; maxOperations: number; maxPayloadSize: number } {
  if (option === false) return { supported: false, maxOperations: 1000, maxPayloadSize: 1_048_576 };
  const given = typeof option === 'object' ? option : {};
  return { supported: true, maxOperations: given.maxOperations ?? 1000, maxPayloadSize: given.maxPayloadSize ?? 1_048_576 };
}

function takeFault(faults: { remaining: number; until: number; fault: Fault }[]): Fault | undefined {
  const now = Date.now();
  while (faults.length > 0 && (faults[0]!.remaining <= 0 || faults[0]!.until < now)) faults.shift();
  const current = faults[0];
  if (!current) return undefined;
  current.remaining -= 1;
  return current.fault;
}

function sendFault(res: Response, fault: Fault): void {
  if (fault.retryAfterSec !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSec));
  const body = fault.body ?? {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(fault.status),
    detail: `Injected fault: HTTP ${fault.status}`,
  };
  res.status(fault.status).type('application/scim+json').send(JSON.stringify(body));
}

/**
 * SCIMMY's filter lexer reads a string literal up to the first `"` even after a backslash, and
 * never unescapes, so `userName eq "a\"b@x.com"` fails and `\\` never matches (RFC 7644
 * §3.4.2.2 uses JSON string escapes). For the one shape a lookup sends, equality terms joined by
 * `or`, this parses the literals as JSON and hands SCIMMY the filter as expression objects, so
 * SCIMMY still does the matching, paging and the list response.
 */
async function answeredEscapedFilter(req: Request, res: Response, store: Store): Promise<boolean> {
  const filter = typeof req.query.filter === 'string' ? req.query.filter : undefined;
  if (req.method !== 'GET' || req.path !== `${MOUNT}/Users` || !filter?.includes('\\')) return false;
  const terms = equalityTerms(filter);
  if (!terms) return false;
  const text = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
  const number = (name: string) => (text(name) === undefined ? undefined : Number(text(name)));
  const params = {
    ...(text('attributes') ? { attributes: text('attributes') } : {}),
    ...(text('excludedAttributes') ? { excludedAttributes: text('excludedAttributes') } : {}),
    ...(number('startIndex') !== undefined ? { startIndex: number('startIndex') } : {}),
    ...(number('count') !== undefined ? { count: number('count') } : {}),
  };
  const resource = new SCIMMY.Resources.User(undefined, params);
  resource.filter = new SCIMMY.Types.Filter(terms.map(([attribute, value]) => ({ [attribute]: ['eq', value] })));
  SCIMMY.Resources.User.basepath(MOUNT);
  res.type('application/scim+json').send(await resource.read(store));
  return true;
}

function equalityTerms(filter: string): [string, string][] | undefined {
  const term = /\s*([A-Za-z][\w.:$-]*)\s+eq\s+("(?:[^"\\]|\\.)*")\s*/y;
  const or = /or(?=\s)/iy;
  const terms: [string, string][] = [];
  let at = 0;
  for (;;) {
    term.lastIndex = at;
    const match = term.exec(filter);
    if (!match) return undefined;
    terms.push([match[1]!, JSON.parse(match[2]!) as string]);
    at = term.lastIndex;
    if (at === filter.length) return terms;
    or.lastIndex = at;
    if (!or.exec(filter)) return undefined;
    at = or.lastIndex;
  }
}

/** The license extension as a SCIMMY schema, declared the way SCIMMY declares its EnterpriseUser. */
class LicenseUser extends SCIMMY.Types.Schema {
  static override readonly id = LICENSE_EXTENSION;
  static override readonly definition = new SCIMMY.Types.SchemaDefinition('LicenseUser', LICENSE_EXTENSION, 'Learning platform licenses', [
    new SCIMMY.Types.Attribute('string', LICENSE_NAME, { multiValued: true, description: 'Names of the licenses the user holds.' }),
  ]);

  constructor(resource: unknown, direction = 'both', basepath?: string, filters?: SCIMMY.Types.Filter) {
    super(resource, direction);
    Object.assign(this, LicenseUser.definition.coerce(resource, direction, basepath, filters));
  }
}

let declared = false;

/** Declares the User resource with the license extension once per process (SCIMMY's state is global). */
function declareUserResource(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(
    SCIMMY.Resources.User.extend(LicenseUser, false)
      .ingress((resource, instance, ctx) => ingest(ctx as Store, resource.id, { ...instance }))
      .egress((resource, ctx) => egress(ctx as Store, resource))
      .degress((resource, ctx) => {
        if (!resource.id || !(ctx as Store).users.delete(resource.id))
          throw new SCIMMY.Types.Error(404, '', `Resource ${resource.id} not found`);
      }),
  );
}

function egress(store: Store, resource: { id?: string; filter?: { match(values: unknown[]): unknown[] } }): ScimUser | ScimUser[] {
  if (resource.id) {
    const user = store.users.get(resource.id);
    if (!user) throw new SCIMMY.Types.Error(404, '', `Resource ${resource.id} not found`);
    return toScim(user);
  }
  const candidates = userNameCandidates(store, resource.filter);
  const all = (candidates ?? [...store.users.values()]).map(toScim);
  return resource.filter ? (resource.filter.match(all) as ScimUser[]) : all;
}

/**
 * For the filter a lookup sends (`userName eq "…" or …`), the users it can match, found by name
 * instead of converting every stored user: like a database index, it only narrows what SCIMMY then
 * matches itself. Any other filter gets undefined (every user).
 */
function userNameCandidates(store: Store, filter: unknown): StoredUser[] | undefined {
  if (!Array.isArray(filter) || filter.length === 0) return undefined;
  const names: string[] = [];
  for (const expression of filter as Record<string, unknown>[]) {
    const keys = Object.keys(expression ?? {});
    const term = expression?.userName;
    if (keys.length !== 1 || !Array.isArray(term) || term[0] !== 'eq' || typeof term[1] !== 'string') return undefined;
    names.push(term[1]);
  }
  const wanted = new Set(names);
  return [...store.users.values()].filter((user) => wanted.has(user.userName));
}

function ingest(store: Store, id: string | undefined, instance: Record<string, unknown>): ScimUser {
  const existing = id ? store.users.get(id) : undefined;
  if (id && !existing) throw new SCIMMY.Types.Error(404, '', `Resource ${id} not found`);
  const userName = String(instance.userName);
  const clash = findByUserName(store, userName);
  if (clash && clash.id !== existing?.id)
    throw new SCIMMY.Types.Error(409, 'uniqueness', `A user with userName ${userName} already exists`);
  const licenses = licensesOf(instance);
  const active = instance.active === undefined ? true : instance.active === true;
  checkSeats(store, existing, licenses, active);
  const now = new Date();
  const user: StoredUser = {
    id: existing?.id ?? randomUUID(),
    userName,
    ...(instance.name ? { name: instance.name as StoredUser['name'] } : {}),
    ...(typeof instance.displayName === 'string' ? { displayName: instance.displayName } : {}),
    ...(Array.isArray(instance.emails) ? { emails: instance.emails as StoredUser['emails'] } : {}),
    active,
    licenses,
    // `groups` is read-only in SCIM: SCIMMY drops it from writes, so keep what the store had.
    groups: existing?.groups ?? [],
    created: existing?.created ?? now,
    lastModified: now,
  };
  store.users.set(user.id, user);
  return toScim(user);
}

function licensesOf(instance: Record<string, unknown>): string[] {
  const extension = instance[LICENSE_EXTENSION] as Record<string, unknown> | undefined;
  const value = extension?.[LICENSE_NAME];
  return Array.isArray(value) ? value.map(String) : [];
}

/** Refuses a write that would make more active users hold a license than it has seats. */
function checkSeats(store: Store, existing: StoredUser | undefined, licenses: string[], active: boolean): void {
  if (!active) return;
  for (const license of new Set(licenses)) {
    const seats = store.seats[license];
    if (seats === undefined) continue;
    const alreadyHeld = existing?.active === true && existing.licenses.includes(license);
    if (alreadyHeld) continue;
    const inUse = [...store.users.values()].filter((user) => user.active && user.licenses.includes(license)).length;
    if (inUse + 1 > seats) throw new SCIMMY.Types.Error(400, '', `Insufficient licenses for ${license}: ${seats} seats, all in use`);
  }
}

function toScim(user: StoredUser): ScimUser {
  return {
    id: user.id,
    userName: user.userName,
    ...(user.name ? { name: user.name } : {}),
    ...(user.displayName ? { displayName: user.displayName } : {}),
    ...(user.emails ? { emails: user.emails } : {}),
    active: user.active,
    ...(user.groups.length > 0 ? { groups: user.groups } : {}),
    [LICENSE_EXTENSION]: { [LICENSE_NAME]: [...user.licenses] },
    meta: { created: user.created, lastModified: user.lastModified },
  };
}

function seedUser(store: Store, seed: SeedUser): StoredUser {
  const now = new Date();
  const name = seed.name ?? seed.userName.split('@')[0]!;
  const space = name.lastIndexOf(' ');
  const user: StoredUser = {
    id: randomUUID(),
    userName: seed.userName,
    name: {
      formatted: name,
      ...(space > 0 ? { givenName: name.slice(0, space), familyName: name.slice(space + 1) } : { givenName: name }),
    },
    displayName: name,
    emails: [{ value: seed.email ?? seed.userName, primary: true, type: 'work' }],
    active: seed.active ?? true,
    licenses: [...(seed.licenses ?? [])],
    groups: (seed.groups ?? []).map((display) => ({ value: `group-${display.toLowerCase().replace(/\W+/g, '-')}`, display })),
    created: now,
    lastModified: now,
  };
  store.users.set(user.id, user);
  return user;
}

function findByUserName(store: Store, userName: string): StoredUser | undefined {
  const wanted = userName.toLowerCase();
  for (const user of store.users.values()) if (user.userName.toLowerCase() === wanted) return user;
  return undefined;
}

function held(user: StoredUser): HeldUser {
  return {
    id: user.id,
    userName: user.userName,
    active: user.active,
    licenses: [...user.licenses],
    ...(user.name?.formatted ? { name: user.name.formatted } : {}),
  };
}

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
