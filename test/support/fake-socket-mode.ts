import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A local stand-in for Slack's Socket Mode WebSocket endpoint (the URL `apps.connections.open`
 * returns). It greets each connection with `hello`, lets tests push envelopes the way Slack does
 * (`slash_commands`, `interactive`, `disconnect`) and resolves with the app's acknowledgement.
 *
 * `@slack/socket-mode` 3 connects with undici's WebSocket client and the `ws` package is not
 * installed, so this speaks RFC 6455 itself: the upgrade handshake, masked client frames, and
 * text/ping/pong/close frames. It never negotiates extensions, so no frame is compressed.
 */
export interface FakeSocketMode {
  /** The `ws://` URL to hand out from `apps.connections.open`. */
  readonly url: string;
  /** Every connection accepted so far, oldest first (closed ones included). */
  readonly connections: readonly SocketConnection[];
  /** Acknowledgements received since start, oldest first. */
  readonly acks: readonly SocketAck[];
  /** Resolves once `count` connections have been accepted in total (each greeted with `hello`). */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Sends an envelope on the newest open connection and resolves with its acknowledgement. */
  send(envelope: OutgoingEnvelope, timeoutMs?: number): Promise<SocketAck>;
  /** A `slash_commands` envelope carrying `payload`, answered with its ack. */
  slashCommand(payload: object, timeoutMs?: number): Promise<SocketAck>;
  /** An `interactive` envelope (block_actions, view_submission, block_suggestion, ...), answered with its ack. */
  interactive(payload: object, timeoutMs?: number): Promise<SocketAck>;
  /** Asks the app to reconnect, as Slack does before recycling a connection. */
  requestReconnect(reason?: string): void;
  /** Resolves once every accepted connection is closed (the app hung up). */
  waitForAllClosed(timeoutMs?: number): Promise<void>;
  /** Closes every connection and the server; pending waits reject. */
  close(): Promise<void>;
}

/** One WebSocket connection from the app. */
export interface SocketConnection {
  readonly id: number;
  /** The request path and query the app connected to (`/link/?ticket=…`). */
  readonly path: string;
  readonly openedAt: number;
  closedAt?: number;
  /** The close code the app sent, if it closed cleanly. */
  closeCode?: number;
  /** Text messages the app sent on this connection, parsed when they are JSON. */
  readonly received: unknown[];
}

/** What the app sent back for one envelope. */
export interface SocketAck {
  envelopeId: string;
  /** The `payload` of the ack: `{}` for a plain `ack()`, the response otherwise. */
  payload: Record<string, unknown>;
  /** Milliseconds between sending the envelope and receiving the ack. */
  latencyMs: number;
  connectionId: number;
}

/** An envelope as Slack sends it; `envelope_id` is generated when missing. */
export interface OutgoingEnvelope {
  type: string;
  payload: object;
  envelope_id?: string;
  accepts_response_payload?: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Starts the fake on 127.0.0.1 on a free port. */
export async function startFakeSocketMode(options: { appId?: string } = {}): Promise<FakeSocketMode> {
  const appId = options.appId ?? 'A1';
  const connections: (SocketConnection & { socket: Duplex })[] = [];
  const acks: SocketAck[] = [];
  const pendingAcks = new Map<string, { sentAt: number; resolve: (ack: SocketAck) => void }>();
  let waiters: { check: () => boolean; resolve: () => void }[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  let sequence = 0;

  const server: Server = createServer((_req, res) => {
    // Slack's endpoint only speaks WebSocket.
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' }).end('Upgrade Required');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => accept(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `ws://127.0.0.1:${port}/link/?ticket=${randomBytes(8).toString('hex')}&app_id=${appId}`;

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const key = req.headers['sec-websocket-key'];
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    const acceptKey = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n\r\n`,
    );
    (socket as Socket).setNoDelay?.(true);

    sequence += 1;
    const connection: SocketConnection & { socket: Duplex } = {
      id: sequence,
      path: req.url ?? '/',
      openedAt: Date.now(),
      received: [],
      socket,
    };
    connections.push(connection);
    let buffered = head.length ? Buffer.from(head) : Buffer.alloc(0);
    let fragments: Buffer[] | undefined;
    let closeSent = false;

    const markClosed = () => {
      if (connection.closedAt === undefined) connection.closedAt = Date.now();
      notify();
    };
    socket.on('close', markClosed);
    socket.on('error', markClosed);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (frame === 'incomplete') return;
        if (frame === 'invalid') {
          // RFC 6455 §5.1: a client frame must be masked; anything else is a protocol error.
          sendFrame(socket, OP.close, closePayload(1002));
          socket.end();
          return;
        }
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === OP.ping) sendFrame(socket, OP.pong, frame.payload);
        else if (frame.opcode === OP.close) {
          connection.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
          if (!closeSent) sendFrame(socket, OP.close, frame.payload.subarray(0, 2));
          closeSent = true;
          socket.end();
          return;
        } else if (frame.opcode === OP.text || frame.opcode === OP.continuation) {
          fragments = frame.opcode === OP.text ? [frame.payload] : [...(fragments ?? []), frame.payload];
          if (frame.fin) {
            onText(connection, Buffer.concat(fragments).toString('utf8'));
            fragments = undefined;
          }
        }
      }
    });

    sendText(socket, {
      type: 'hello',
      num_connections: connections.filter((c) => c.closedAt === undefined).length,
      debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: appId },
    });
    notify();
  }

  function onText(connection: SocketConnection, text: string): void {
    let message: unknown = text;
    try {
      message = JSON.parse(text) as unknown;
    } catch {
      // Kept as text: the client only ever sends JSON, so a test will see what went wrong.
    }
    connection.received.push(message);
    if (typeof message !== 'object' || message === null || !('envelope_id' in message)) return;
    const envelopeId = String(message.envelope_id);
    const pending = pendingAcks.get(envelopeId);
    const payload =
      'payload' in message && typeof message.payload === 'object' && message.payload !== null
        ? (message.payload as Record<string, unknown>)
        : {};
    const ack: SocketAck = { envelopeId, payload, latencyMs: pending ? Date.now() - pending.sentAt : 0, connectionId: connection.id };
    acks.push(ack);
    if (pending) {
      pendingAcks.delete(envelopeId);
      pending.resolve(ack);
    }
  }

  function notify(): void {
    const remaining: typeof waiters = [];
    for (const waiter of waiters) {
      if (waiter.check()) waiter.resolve();
      else remaining.push(waiter);
    }
    waiters = remaining;
  }

  function waitUntil(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          waiters = waiters.filter((waiter) => waiter.resolve !== done);
          reject(new Error(`fake Socket Mode: ${describe()} within ${timeoutMs} ms`));
        }, timeoutMs),
        reject,
      };
      const done = () => {
        clearTimeout(entry.timer);
        timers.delete(entry);
        resolve();
      };
      timers.add(entry);
      waiters.push({ check, resolve: done });
    });
  }

  function openConnection(): (SocketConnection & { socket: Duplex }) | undefined {
    return [...connections].reverse().find((c) => c.closedAt === undefined);
  }

  const fake: FakeSocketMode = {
    url,
    get connections() {
      return connections.map(({ socket: _socket, ...rest }) => rest);
    },
    get acks() {
      return acks;
    },
    waitForConnections(count, timeoutMs = 5000) {
      return waitUntil(
        () => connections.length >= count,
        timeoutMs,
        () => `${connections.length} of ${count} connections`,
      );
    },
    send(envelope, timeoutMs = 5000) {
      const connection = openConnection();
      if (!connection) return Promise.reject(new Error('fake Socket Mode: the app has no open connection'));
      const envelopeId =
        envelope.envelope_id ?? `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;
      const result = new Promise<SocketAck>((resolve, reject) => {
        const entry = {
          timer: setTimeout(() => {
            timers.delete(entry);
            pendingAcks.delete(envelopeId);
            reject(new Error(`fake Socket Mode: no ack for ${envelope.type} envelope ${envelopeId} within ${timeoutMs} ms`));
          }, timeoutMs),
          reject,
        };
        timers.add(entry);
        pendingAcks.set(envelopeId, {
          sentAt: Date.now(),
          resolve: (ack) => {
            clearTimeout(entry.timer);
            timers.delete(entry);
            resolve(ack);
          },
        });
      });
      sendText(connection.socket, {
        ...envelope,
        envelope_id: envelopeId,
        accepts_response_payload: envelope.accepts_response_payload ?? false,
      });
      return result;
    },
    slashCommand(payload, timeoutMs) {
      return fake.send({ type: 'slash_commands', payload, accepts_response_payload: true }, timeoutMs);
    },
    interactive(payload, timeoutMs) {
      // Slack lets the ack carry a response only where one is meaningful.
      const type = 'type' in payload ? String(payload.type) : '';
      const acceptsResponse = ['view_submission', 'block_suggestion', 'view_closed'].includes(type);
      return fake.send({ type: 'interactive', payload, accepts_response_payload: acceptsResponse }, timeoutMs);
    },
    requestReconnect(reason = 'refresh_requested') {
      const connection = openConnection();
      if (connection) sendText(connection.socket, { type: 'disconnect', reason, debug_info: { host: 'applink-fake' } });
    },
    waitForAllClosed(timeoutMs = 5000) {
      return waitUntil(
        () => connections.every((c) => c.closedAt !== undefined),
        timeoutMs,
        () => `${connections.filter((c) => c.closedAt === undefined).length} connection(s) still open`,
      );
    },
    async close() {
      for (const entry of timers) {
        clearTimeout(entry.timer);
        entry.reject(new Error('fake Socket Mode closed while waiting'));
      }
      timers.clear();
      waiters = [];
      pendingAcks.clear();
      for (const connection of connections) {
        if (connection.closedAt === undefined) connection.socket.destroy();
      }
      // Upgraded sockets no longer belong to the HTTP server; they were destroyed above.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}

type Frame = { fin: boolean; opcode: number; payload: Buffer; length: number };

/** Parses one client frame from the start of `data`. */
function readFrame(data: Buffer): Frame | 'incomplete' | 'invalid' {
  if (data.length < 2) return 'incomplete';
  const first = data[0] ?? 0;
  const second = data[1] ?? 0;
  if ((second & 0x80) === 0) return 'invalid';
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return 'incomplete';
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return 'incomplete';
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  if (data.length < offset + 4 + length) return 'incomplete';
  const mask = data.subarray(offset, offset + 4);
  const payload = Buffer.from(data.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload, length: offset + 4 + length };
}

/** Writes one unmasked, unfragmented server frame. */
function sendFrame(socket: Duplex, opcode: number, payload: Buffer): void {
  if (socket.destroyed || !socket.writable) return;
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  socket.write(Buffer.concat([header, payload]));
}

function sendText(socket: Duplex, message: object): void {
  sendFrame(socket, OP.text, Buffer.from(JSON.stringify(message), 'utf8'));
}

function closePayload(code: number): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code, 0);
  return payload;
}
