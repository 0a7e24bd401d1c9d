import { AsyncLocalStorage } from 'node:async_hooks';
import { pino } from 'pino';

/** Structured JSON-lines logging (pino underneath); the only writer to stdout/stderr in the server. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  level: LogLevel;
}

/** Fields every line written inside `withLogContext` carries (a Slack request's id, a job's id). */
const context = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `fn` with `fields` added to every log line written while it runs, however deep and
 * however asynchronous: the Slack middleware gives each request an id, the job runner each job.
 */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** Field names whose values are secrets wherever they appear (two levels deep). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'privateKey',
  'keyFile',
];
const REDACTED = '[redacted]';
/** Slack tokens (xoxb-, xoxp-, xapp-, …) and bearer credentials inside any text, Bolt's and the Web API's lines included. */
const SECRET_TEXT = /\b(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]+|(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]+/g;

function scrub(text: string): string {
  return text.replace(SECRET_TEXT, REDACTED);
}

/** Errors become name, message and stack; secrets in text are replaced, one level into objects and arrays. */
function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), ...(value.stack ? { stack: scrub(value.stack) } : {}) };
  }
  if (depth > 1 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = clean(item, depth + 1);
  return out;
}

/**
 * A logger writing one JSON object per line: `time` (ISO), `level` (its name), `msg`, the base and
 * context fields, then the line's own. Secrets never reach the output: known secret fields are
 * censored by pino's redaction, Slack tokens and bearer credentials are cut out of any text.
 */
export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const root = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
      redact: { paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: REDACTED },
    },
    // pino writes each line with its newline; the sink gets the line alone.
    { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) },
  );
  return wrap(Object.keys(base).length ? root.child(clean(base) as Record<string, unknown>) : root, level);
}

function wrap(logger: pino.Logger, level: LogLevel): Logger {
  const at =
    (name: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!logger.isLevelEnabled(name)) return;
      if (fields) logger[name](clean(fields) as Record<string, unknown>, scrub(msg));
      else logger[name](scrub(msg));
    };
  return {
    level,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(logger.child(clean(fields) as Record<string, unknown>), level),
  };
}
