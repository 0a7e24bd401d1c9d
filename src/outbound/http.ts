import type { PushResult } from '../licensing/sync/ports.js';

/**
 * What every HTTP adapter of outbound/ shares: requests with a deadline, Retry-After, and one
 * mapping from an HTTP answer to what the sync worker does with it.
 */

/** A response already read, so callers can classify it and still use its body. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Thrown for a request that never got an answer (refused, reset, DNS, timed out). */
export class HttpUnreachableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`${new URL(url).origin} did not answer: ${reason}`);
    this.name = 'HttpUnreachableError';
  }
}

/** Sends one request and reads the whole answer; gives up after `timeoutMs`. */
export async function httpRequest(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), init.timeoutMs ?? 15_000);
  try {
    const response = await fetch(url, {
      method: init.method,
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: controller.signal,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    const reason = controller.signal.aborted ? `no answer within ${Math.round((init.timeoutMs ?? 15_000) / 1000)} s` : causeOf(error);
    throw new HttpUnreachableError(url, reason);
  } finally {
    clearTimeout(timer);
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** At most `max` characters of a platform's message, on one line: enough to show, never a dump. */
export function excerpt(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * What the worker does with an answer: 2xx ok; 401/403 pause; 408, 425, 429 and 5xx retry
 * (honouring Retry-After); any other 4xx is a dead letter with the platform's own message.
 */
export function classifyAnswer(answer: Pick<HttpAnswer, 'status' | 'headers'>, platformMessage: string): PushResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const reason = platformMessage || `HTTP ${status}`;
  if (status === 401 || status === 403) return { kind: 'unauthorized', reason, status };
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const after = retryAfterMs(answer.headers);
    return { kind: 'retry', reason, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { kind: 'rejected', reason, status };
}

/** A request that got no answer is retried later. */
export function unreachable(error: HttpUnreachableError): PushResult {
  return { kind: 'retry', reason: error.message };
}
