import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_FAILURES,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../src/outbound/webhook/signature.js';

/**
 * A customer's webhook receiver, run locally: it verifies every request with
 * `verifyWebhookSignature` the way we tell customers to, refuses replays, and records what it
 * accepted and what it refused, so tests assert on what arrived rather than on what was sent.
 *
 * Order of checks, as a careful receiver would: signature and timestamp (401), JSON (400), replay
 * of a signature or of an event id already accepted (409), then any injected fault, then accept.
 * A request answered with an injected fault is not remembered, so the sender's retry gets through.
 */
export interface WebhookReceiver {
  /** The URL to deliver to (`http://127.0.0.1:<port>/hooks/licenses`). */
  readonly url: string;
  /** Accepted learner events, oldest first. */
  readonly deliveries: readonly AcceptedDelivery[];
  /** Accepted pings (`{ "type": "ping" }`), oldest first. */
  readonly pings: readonly AcceptedDelivery[];
  /** Every request not accepted, with the reason, oldest first (injected faults included). */
  readonly rejections: readonly RejectedDelivery[];
  /** The most requests that were being handled at the same time since start or `reset()`. */
  readonly maxInFlight: number;
  /** Answers the next `times` verified requests with `fault` instead of accepting them. */
  failNext(times: number, fault: ReceiverFault): void;
  /** Answers every verified request with `fault` until `succeed()` or `reset()`. */
  failAlways(fault: ReceiverFault): void;
  /** Removes queued and standing faults. */
  succeed(): void;
  /** Holds each answer back this long, so concurrency can be observed. */
  setDelay(ms: number): void;
  /** Forgets deliveries, rejections, seen ids and signatures, faults, delay and `maxInFlight`; requests still waiting are answered 503 unrecorded. */
  reset(): void;
  /** Stops the server and drops open connections. */
  stop(): Promise<void>;
}

/** A request the receiver accepted (2xx). */
export interface AcceptedDelivery {
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** The body exactly as it arrived. */
  rawBody: string;
  /** Request headers, lower-cased names. */
  headers: IncomingHttpHeaders;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** A request the receiver answered with an error. */
export interface RejectedDelivery {
  status: number;
  /** A signature failure code, `malformed_json`, `replayed_signature`, `duplicate_event_id` or `injected_fault`. */
  reason: string;
  /** The event id, when the body could be read. */
  id?: string;
  rawBody: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** How to answer instead of accepting: a status, Retry-After for 429/503, and a body for the sender to quote. */
export interface ReceiverFault {
  status: number;
  retryAfterSec?: number;
  /** The answer's body; `{"error":"injected <status>"}` by default. */
  message?: string;
}

/** Options for `startWebhookReceiver`. */
export interface WebhookReceiverOptions {
  /** The shared secret, or several while rotating. */
  secret: string | readonly string[];
  /** Seconds of clock skew accepted; verifyWebhookSignature's default (300) when unset. */
  toleranceSec?: number;
}

const PATH = '/hooks/licenses';

/** Starts a receiver on 127.0.0.1 on a free port. */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  let deliveries: AcceptedDelivery[] = [];
  let pings: AcceptedDelivery[] = [];
  let rejections: RejectedDelivery[] = [];
  let seenIds = new Set<string>();
  let seenSignatures = new Set<string>();
  let queuedFaults: ReceiverFault[] = [];
  let standingFault: ReceiverFault | undefined;
  let delayMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // Bumped by reset(), so a request still held back from an earlier test cannot land in the next one's records.
  let generation = 0;

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Counted until the answer is written, so a held-back answer counts as in flight.
    res.once('close', () => {
      inFlight -= 1;
    });
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`webhook-receiver error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedIn = generation;
    const raw = await readBody(req);
    const rawBody = raw.toString('utf8');
    const at = Date.now();
    if (delayMs > 0) await sleep(delayMs);
    if (startedIn !== generation) {
      answer(res, 503, { error: 'The receiver was reset while this request waited.' });
      return;
    }
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://receiver').pathname !== PATH) {
      answer(res, 404, { error: 'not found' });
      return;
    }

    const reject = (status: number, reason: string, message: string, id?: string, headers: Record<string, string> = {}): void => {
      rejections.push({ status, reason, ...(id !== undefined ? { id } : {}), rawBody, headers: req.headers, at });
      answer(res, status, message, headers);
    };

    const signature = header(req, WEBHOOK_SIGNATURE_HEADER);
    const verdict = verifyWebhookSignature({
      rawBody: raw,
      timestamp: header(req, WEBHOOK_TIMESTAMP_HEADER),
      signature,
      secret: options.secret,
      ...(options.toleranceSec !== undefined ? { toleranceSec: options.toleranceSec } : {}),
    });
    if (!verdict.ok) {
      reject(401, verdict.reason, JSON.stringify({ error: WEBHOOK_SIGNATURE_FAILURES[verdict.reason] }));
      return;
    }

    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      reject(400, 'malformed_json', JSON.stringify({ error: 'The body is not a JSON object.' }));
      return;
    }
    const id = typeof body.id === 'string' ? body.id : undefined;
    const isPing = body.type === 'ping';
    if (!isPing && id === undefined) {
      reject(400, 'malformed_json', JSON.stringify({ error: 'The event has no id.' }));
      return;
    }

    if (signature && seenSignatures.has(signature)) {
      reject(409, 'replayed_signature', JSON.stringify({ error: 'This request was already received.' }), id);
      return;
    }
    if (id !== undefined && seenIds.has(id)) {
      reject(409, 'duplicate_event_id', JSON.stringify({ error: `Event ${id} was already received.` }), id);
      return;
    }

    const fault = queuedFaults.shift() ?? standingFault;
    if (fault) {
      const headers: Record<string, string> = fault.retryAfterSec !== undefined ? { 'retry-after': String(fault.retryAfterSec) } : {};
      reject(fault.status, 'injected_fault', fault.message ?? JSON.stringify({ error: `injected ${fault.status}` }), id, headers);
      return;
    }

    if (signature) seenSignatures.add(signature);
    if (id !== undefined) seenIds.add(id);
    (isPing ? pings : deliveries).push({ body, rawBody, headers: req.headers, at });
    answer(res, isPing ? 200 : 202, JSON.stringify({ received: true }));
  }

  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    get deliveries() {
      return deliveries;
    },
    get pings() {
      return pings;
    },
    get rejections() {
      return rejections;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(times, fault) {
      for (let i = 0; i < times; i += 1) queuedFaults.push(fault);
    },
    failAlways(fault) {
      standingFault = fault;
    },
    succeed() {
      queuedFaults = [];
      standingFault = undefined;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    reset() {
      generation += 1;
      deliveries = [];
      pings = [];
      rejections = [];
      seenIds = new Set();
      seenSignatures = new Set();
      queuedFaults = [];
      standingFault = undefined;
      delayMs = 0;
      maxInFlight = inFlight;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

function answer(res: ServerResponse, status: number, body: string | Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const isJson = text.startsWith('{');
  res.writeHead(status, { 'content-type': isJson ? 'application/json' : 'text/plain', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
