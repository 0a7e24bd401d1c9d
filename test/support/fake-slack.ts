import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Slack Web API and for `response_url`s, so tests can boot the real app
 * and assert on what it sent to Slack. It answers like Slack does (shapes, ids, `ok`), records every
 * call, and can be told to fail a method (HTTP 429 with Retry-After, `{ ok: false }`, HTTP 5xx).
 *
 * Recorded `method` names: the Web API method (`chat.postMessage`, `views.open`, ...);
 * `response_url` for posts to a URL from `responseUrl()`; `file_upload` for the byte upload to the
 * URL that `files.getUploadURLExternal` handed out.
 */
export interface FakeSlack {
  /** Base URL of the fake Web API, ending in `/api/` (SLACK_API_URL, Bolt's `clientOptions.slackApiUrl`). */
  readonly apiUrl: string;
  /** Base URL of the server itself, without a trailing slash. */
  readonly baseUrl: string;
  /** A fresh `response_url` on the fake; posts to it are recorded as method `response_url`. */
  responseUrl(id?: string): string;
  /** Every call since the last `reset()`, oldest first. */
  readonly calls: readonly SlackCall[];
  /** The calls to one method, oldest first. */
  callsTo(method: string): SlackCall[];
  /** Resolves with the first call (already recorded or still to come) to `method` that matches. */
  waitFor(method: string, predicate?: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Answers the next `times` calls to `method` with `failure` instead of success. */
  failNext(method: string, failure: FakeFailure, times?: number): void;
  /** Answers every call to `method` with `failure` until `reset()` or `succeed(method)`. */
  failAlways(method: string, failure: FakeFailure): void;
  /** Removes the failures queued or set for `method` (and its rate limit). */
  succeed(method: string): void;
  /**
   * Enforces a rate limit on `method` like Slack's: a call beyond `max` in the trailing `windowMs`
   * gets HTTP 429 with Retry-After `retryAfterSec` (refused calls do not count). Until `reset()`
   * or `succeed(method)`.
   */
  limitRate(method: string, limit: { max: number; windowMs: number; retryAfterSec?: number }): void;
  /** Makes `users.info` / `users.lookupByEmail` answer with this user. */
  addUser(user: FakeUser): void;
  /** The messages posted (successfully) to a channel or a user's DM, oldest first, as `conversations.history` returns them. */
  messagesIn(channelOrUser: string): FakeMessage[];
  /** The bytes uploaded for a file id, with the name given to `files.getUploadURLExternal`. */
  uploadedFile(fileId: string): { id: string; filename: string; content: Buffer } | undefined;
  /**
   * A file a user shared (in a DM, say): its `url_private_download` on the fake answers with the
   * bytes to a bearer token, and the download is recorded as method `file_download`.
   */
  shareFile(filename: string, content: Buffer): { id: string; name: string; size: number; url_private_download: string };
  /** Forgets the recorded calls, failures, users and uploads (ids and timestamps keep increasing). */
  reset(): void;
  /** Stops the server; pending `waitFor`s reject. */
  close(): Promise<void>;
}

/** One request the fake received. */
export interface SlackCall {
  /** Web API method, or `response_url` / `file_upload`. */
  method: string;
  /** The request body: JSON, or form fields with JSON-string values (blocks, view, ...) parsed. */
  body: Record<string, unknown>;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The full URL that was called. */
  url: string;
  /** The bearer token sent (Authorization header or `token` field), if any. */
  token?: string;
  /** The HTTP status the fake answered with. */
  status: number;
  /** True when the call was answered with HTTP 200 and `ok: true`. */
  ok: boolean;
  /** The JSON (or text) the fake answered with. */
  response: unknown;
}

/** A message the app posted, as `conversations.history` reports it. */
export interface FakeMessage {
  ts: string;
  text: string;
  blocks?: unknown;
  thread_ts?: string;
  metadata?: unknown;
  user: string;
  bot_id: string;
}

/** How a call should fail: HTTP 429 with Retry-After, another HTTP status, or `{ ok: false, error }`. */
export type FakeFailure = { status: 429; retryAfterSec?: number } | { status: number } | { error: string };

/** A Slack user as `users.info` reports it. */
export interface FakeUser {
  id: string;
  name?: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  /** IANA time zone (`users.info` → `user.tz`); left out when unset. */
  tz?: string;
}

export const FAKE_TEAM_ID = 'T1';
export const FAKE_BOT_USER_ID = 'UBOT';
export const FAKE_BOT_ID = 'B1';
export const FAKE_APP_ID = 'A1';

/** The DM channel id the fake gives a user (conversations.open, chat.postMessage to a user id). */
export function fakeDmChannelFor(userId: string): string {
  return `D${userId}`;
}

// Form fields that are free text even when they happen to start with `[` or `{`.
const TEXT_FIELDS = new Set(['text', 'initial_comment', 'title', 'filename', 'alt_text', 'markdown_text', 'fallback']);

/** Options for `startFakeSlack`. */
export interface FakeSlackOptions {
  /**
   * What `apps.connections.open` hands an app-level token (`xapp-…`): the Socket Mode WebSocket URL
   * (see fake-socket-mode.ts). Without it the method answers a bare `{ ok: true }`.
   */
  socketModeUrl?: string;
}

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  let calls: SlackCall[] = [];
  let failures = new Map<string, { failure: FakeFailure; remaining: number }[]>();
  let users = new Map<string, FakeUser>();
  let usersByEmail = new Map<string, FakeUser>();
  let limits = new Map<string, { max: number; windowMs: number; retryAfterSec: number; accepted: number[] }>();
  let uploads = new Map<string, { id: string; filename: string; content?: Buffer }>();
  let waiters: { method: string; predicate: (call: SlackCall) => boolean; resolve: (call: SlackCall) => void }[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  let sequence = 0;
  const tsBaseSec = Math.floor(Date.now() / 1000);

  const nextId = (prefix: string): string => {
    sequence += 1;
    return `${prefix}${String(sequence).padStart(8, '0')}`;
  };
  // Message timestamps look like Slack's ("1700000000.000123"), unique and increasing.
  const nextTs = (): string => {
    sequence += 1;
    return `${tsBaseSec + Math.floor(sequence / 1_000_000)}.${String(sequence % 1_000_000).padStart(6, '0')}`;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake-slack error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiUrl = `${baseUrl}/api/`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const raw = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const authorization = String(req.headers.authorization ?? '');
    const shared = /^\/files-pri\/([^/]+)$/.exec(url.pathname);
    if (shared?.[1]) {
      const file = uploads.get(decodeURIComponent(shared[1]));
      const allowed = authorization.startsWith('Bearer xoxb-') && file?.content;
      const call: SlackCall = {
        method: 'file_download',
        body: {},
        at: Date.now(),
        url: url.toString(),
        status: allowed ? 200 : 404,
        ok: !!allowed,
        response: '',
      };
      calls.push(call);
      notify(call);
      res.writeHead(allowed ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(allowed ? file.content : undefined);
      return;
    }
    const route = routeOf(url.pathname);
    if (!route) {
      sendJson(res, 404, { ok: false, error: 'unknown_url' });
      return;
    }

    const bytes = route.kind === 'upload' ? await uploadedBytes(raw, contentType) : raw;
    const body: Record<string, unknown> =
      route.kind === 'upload'
        ? { file_id: route.id, filename: uploads.get(route.id)?.filename, size: bytes.length, content: bytes.toString('utf8') }
        : { ...parseQuery(url.searchParams), ...(await parseBody(raw, contentType)) };
    const bodyToken = typeof body.token === 'string' ? body.token : undefined;
    const token = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : bodyToken;
    const method = route.kind === 'api' ? route.method : route.kind === 'respond' ? 'response_url' : 'file_upload';

    let status = 200;
    let response: unknown;
    const headers: Record<string, string> = {};
    const failure = takeFailure(method) ?? rateLimited(method);
    if (failure && 'error' in failure) {
      response = { ok: false, error: failure.error };
    } else if (failure) {
      status = failure.status;
      if (failure.status === 429) {
        headers['retry-after'] = String('retryAfterSec' in failure && failure.retryAfterSec !== undefined ? failure.retryAfterSec : 1);
        response = { ok: false, error: 'ratelimited' };
      } else {
        response = { ok: false, error: 'fake_http_error' };
      }
    } else if (route.kind === 'upload') {
      const known = uploads.get(route.id);
      uploads.set(route.id, { id: route.id, filename: known?.filename ?? 'file', content: bytes });
      response = `OK - ${bytes.length}`;
    } else if (route.kind === 'respond') {
      response = { ok: true };
    } else {
      response = answer(route.method, body, token);
    }

    const call: SlackCall = {
      method,
      body,
      at: Date.now(),
      url: url.toString(),
      ...(token !== undefined ? { token } : {}),
      status,
      ok: status === 200 && (typeof response === 'string' || isOk(response)),
      response,
    };
    calls.push(call);
    notify(call);

    if (typeof response === 'string') {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(response);
    } else {
      sendJson(res, status, response, headers);
    }
  }

  function routeOf(
    pathname: string,
  ): { kind: 'api'; method: string } | { kind: 'respond'; id: string } | { kind: 'upload'; id: string } | undefined {
    const match = /^\/(api|respond|upload)\/([^/]+)$/.exec(pathname);
    if (!match?.[1] || !match[2]) return undefined;
    const rest = decodeURIComponent(match[2]);
    if (match[1] === 'api') return { kind: 'api', method: rest };
    return match[1] === 'respond' ? { kind: 'respond', id: rest } : { kind: 'upload', id: rest };
  }

  function rateLimited(method: string): FakeFailure | undefined {
    const limit = limits.get(method);
    if (!limit) return undefined;
    const now = Date.now();
    while (limit.accepted.length && (limit.accepted[0] ?? 0) <= now - limit.windowMs) limit.accepted.shift();
    if (limit.accepted.length >= limit.max) return { status: 429, retryAfterSec: limit.retryAfterSec };
    limit.accepted.push(now);
    return undefined;
  }

  // What conversations.history answers: the successful posts to that channel, newest first.
  function history(body: Record<string, unknown>): Record<string, unknown> {
    const channel = String(body.channel ?? '');
    const oldest = Number(body.oldest ?? 0);
    const latest = body.latest === undefined ? Number.POSITIVE_INFINITY : Number(body.latest);
    const limit = Number(body.limit ?? 100);
    const withMetadata = String(body.include_all_metadata ?? 'false') === 'true';
    const messages = messagesIn(channel)
      .filter((m) => Number(m.ts) > oldest && Number(m.ts) < latest)
      .reverse()
      .slice(0, limit)
      .map(({ metadata, ...message }) => (withMetadata && metadata !== undefined ? { ...message, metadata } : message));
    return { ok: true, messages, has_more: false };
  }

  function messagesIn(channelOrUser: string): FakeMessage[] {
    const channel = channelFor(channelOrUser);
    return calls
      .filter((call) => call.method === 'chat.postMessage' && call.ok && (call.response as { channel?: string }).channel === channel)
      .map((call) => {
        const response = call.response as { ts: string };
        return {
          ts: response.ts,
          text: String(call.body.text ?? ''),
          user: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          ...(call.body.blocks !== undefined ? { blocks: call.body.blocks } : {}),
          ...(call.body.thread_ts !== undefined ? { thread_ts: String(call.body.thread_ts) } : {}),
          ...(call.body.metadata !== undefined ? { metadata: call.body.metadata } : {}),
        };
      });
  }

  function takeFailure(method: string): FakeFailure | undefined {
    const queue = failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (Number.isFinite(head.remaining)) {
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
    }
    return head.failure;
  }

  // Success answers shaped like Slack's, with only the fields an app is likely to read.
  function answer(method: string, body: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
    switch (method) {
      case 'apps.connections.open':
        if (options.socketModeUrl === undefined) return { ok: true };
        // Slack accepts only app-level tokens here.
        return token?.startsWith('xapp-') ? { ok: true, url: options.socketModeUrl } : { ok: false, error: 'not_allowed_token_type' };
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake-workspace.slack.com/',
          team: 'Fake Workspace',
          user: 'license-bot',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const channel = channelFor(body.channel);
        const ts = nextTs();
        return { ok: true, channel, ts, message: botMessage(body, ts) };
      }
      case 'chat.update': {
        const ts = String(body.ts ?? '');
        return { ok: true, channel: channelFor(body.channel), ts, text: body.text ?? '', message: botMessage(body, ts) };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.delete':
        return { ok: true, channel: channelFor(body.channel), ts: body.ts };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish':
        return { ok: true, view: viewFor(method, body) };
      case 'conversations.open': {
        const first =
          String(body.users ?? '')
            .split(',')[0]
            ?.trim() ?? '';
        const id = typeof body.channel === 'string' ? body.channel : fakeDmChannelFor(first || 'U0');
        return { ok: true, channel: { id, is_im: true, user: first || undefined } };
      }
      case 'files.getUploadURLExternal': {
        const fileId = nextId('F');
        uploads.set(fileId, { id: fileId, filename: String(body.filename ?? 'file') });
        return { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const requested = Array.isArray(body.files) ? body.files : [];
        const files = requested.map((entry: unknown) => {
          const record = isRecord(entry) ? entry : {};
          const id = String(record.id ?? '');
          const name = uploads.get(id)?.filename ?? 'file';
          return {
            id,
            name,
            title: typeof record.title === 'string' ? record.title : name,
            size: uploads.get(id)?.content?.length ?? 0,
            permalink: `https://fake-workspace.slack.com/files/${FAKE_BOT_USER_ID}/${id}/${name}`,
          };
        });
        return { ok: true, files };
      }
      case 'users.info': {
        const id = String(body.user ?? '');
        return { ok: true, user: presentUser(users.get(id) ?? { id }) };
      }
      case 'users.lookupByEmail': {
        const user = usersByEmail.get(String(body.email ?? '').toLowerCase());
        return user ? { ok: true, user: presentUser(user) } : { ok: false, error: 'users_not_found' };
      }
      case 'conversations.history':
        return history(body);
      case 'functions.completeSuccess':
      case 'functions.completeError':
        // Slack wants the execution id the function_executed event carried.
        return typeof body.function_execution_id === 'string' && body.function_execution_id
          ? { ok: true }
          : { ok: false, error: 'invalid_arguments' };
      default:
        return { ok: true };
    }
  }

  function viewFor(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const sent = isRecord(body.view) ? body.view : {};
    const id = method === 'views.update' && typeof body.view_id === 'string' ? body.view_id : nextId('V');
    return {
      id,
      team_id: FAKE_TEAM_ID,
      app_id: FAKE_APP_ID,
      bot_id: FAKE_BOT_ID,
      type: 'modal',
      blocks: [],
      private_metadata: '',
      callback_id: '',
      external_id: typeof body.external_id === 'string' ? body.external_id : '',
      state: { values: {} },
      root_view_id: id,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      ...sent,
      hash: `${Date.now()}.${nextId('h')}`,
    };
  }

  function botMessage(body: Record<string, unknown>, ts: string): Record<string, unknown> {
    return {
      type: 'message',
      user: FAKE_BOT_USER_ID,
      bot_id: FAKE_BOT_ID,
      app_id: FAKE_APP_ID,
      team: FAKE_TEAM_ID,
      text: body.text ?? '',
      ...(body.blocks !== undefined ? { blocks: body.blocks } : {}),
      ...(body.thread_ts !== undefined ? { thread_ts: body.thread_ts } : {}),
      ts,
    };
  }

  function notify(call: SlackCall): void {
    const remaining: typeof waiters = [];
    for (const waiter of waiters) {
      if (waiter.method === call.method && waiter.predicate(call)) waiter.resolve(call);
      else remaining.push(waiter);
    }
    waiters = remaining;
  }

  const fake: FakeSlack = {
    apiUrl,
    baseUrl,
    responseUrl(id) {
      return `${baseUrl}/respond/${encodeURIComponent(id ?? nextId('R'))}`;
    },
    get calls() {
      return calls;
    },
    callsTo(method) {
      return calls.filter((call) => call.method === method);
    },
    waitFor(method, predicate = () => true, timeoutMs = 5000) {
      const seen = calls.find((call) => call.method === method && predicate(call));
      if (seen) return Promise.resolve(seen);
      return new Promise<SlackCall>((resolve, reject) => {
        const entry = {
          timer: setTimeout(() => {
            timers.delete(entry);
            waiters = waiters.filter((waiter) => waiter.resolve !== done);
            reject(new Error(`fake Slack: no matching ${method} call within ${timeoutMs} ms. Calls seen:\n${describeCalls(calls)}`));
          }, timeoutMs),
          reject,
        };
        const done = (call: SlackCall): void => {
          clearTimeout(entry.timer);
          timers.delete(entry);
          resolve(call);
        };
        timers.add(entry);
        waiters.push({ method, predicate, resolve: done });
      });
    },
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      queue.push({ failure, remaining: times });
      failures.set(method, queue);
    },
    failAlways(method, failure) {
      failures.set(method, [{ failure, remaining: Number.POSITIVE_INFINITY }]);
    },
    succeed(method) {
      failures.delete(method);
      limits.delete(method);
    },
    limitRate(method, limit) {
      limits.set(method, { max: limit.max, windowMs: limit.windowMs, retryAfterSec: limit.retryAfterSec ?? 1, accepted: [] });
    },
    addUser(user) {
      users.set(user.id, user);
      if (user.email) usersByEmail.set(user.email.toLowerCase(), user);
    },
    shareFile(filename, content) {
      const id = nextId('F');
      uploads.set(id, { id, filename, content });
      return { id, name: filename, size: content.length, url_private_download: `${baseUrl}/files-pri/${id}` };
    },
    messagesIn,
    uploadedFile(fileId) {
      const upload = uploads.get(fileId);
      return upload?.content ? { id: upload.id, filename: upload.filename, content: upload.content } : undefined;
    },
    reset() {
      calls = [];
      failures = new Map();
      users = new Map();
      usersByEmail = new Map();
      limits = new Map();
      uploads = new Map();
    },
    async close() {
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.reject(new Error('fake Slack closed while waiting for a call'));
      }
      timers.clear();
      waiters = [];
      // Clients keep connections alive; without this, close() waits for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}

function presentUser(user: FakeUser): Record<string, unknown> {
  const name = user.name ?? user.id.toLowerCase();
  const realName = user.realName ?? `User ${user.id}`;
  const email = user.email ?? `${user.id.toLowerCase()}@example.test`;
  return {
    id: user.id,
    team_id: FAKE_TEAM_ID,
    name,
    real_name: realName,
    deleted: user.deleted ?? false,
    is_bot: user.isBot ?? false,
    profile: { email, real_name: realName, display_name: name },
    ...(user.tz ? { tz: user.tz } : {}),
  };
}

// Slack answers a post to a user id with the id of the DM it landed in.
function channelFor(channel: unknown): string {
  const id = typeof channel === 'string' ? channel : '';
  return /^[UW]/.test(id) ? fakeDmChannelFor(id) : id;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

async function parseBody(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  if (raw.length === 0) return {};
  if (contentType.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return isRecord(parsed) ? parsed : { value: parsed };
  }
  if (contentType.includes('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      fields[key] =
        typeof value === 'string' ? decodeField(key, value) : { filename: value.name, size: value.size, content: await value.text() };
    }
    return fields;
  }
  return parseQuery(new URLSearchParams(raw.toString('utf8')));
}

// The WebClient posts the file as multipart form data (one part); other clients post raw bytes.
async function uploadedBytes(raw: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.includes('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return raw;
}

function parseQuery(params: URLSearchParams): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of params) fields[key] = decodeField(key, value);
  return fields;
}

// The WebClient sends nested arguments (blocks, view, files, ...) as JSON strings inside the form.
function decodeField(key: string, value: string): unknown {
  if (TEXT_FIELDS.has(key) || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOk(response: unknown): boolean {
  return isRecord(response) && response.ok === true;
}

function describeCalls(calls: readonly SlackCall[]): string {
  if (calls.length === 0) return '  (none)';
  return calls
    .map((call) => {
      const body = JSON.stringify(call.body);
      return `  ${call.method} [${call.status}${call.ok ? '' : ' failed'}] ${body.length > 300 ? `${body.slice(0, 300)}…` : body}`;
    })
    .join('\n');
}
