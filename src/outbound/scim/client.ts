import { excerpt, type HttpAnswer, httpRequest } from '../http.js';

/**
 * The one place that speaks HTTP to a SCIM service provider: base URL, Bearer token, SCIM media
 * type, deadline. The token goes into the Authorization header and nowhere else, so no message,
 * log line or error built from a request can carry it.
 */

const USER_AGENT = 'learning-license-bot';
const SCIM_JSON = 'application/scim+json';

/** Where the provider is and how to authenticate. */
export interface ScimClientSettings {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

/** Sends SCIM requests relative to the base URL; never throws for an HTTP status. */
export interface ScimClient {
  /** The base URL without a trailing slash, for descriptions. */
  readonly baseUrl: string;
  /** Throws HttpUnreachableError when there is no answer at all. */
  send(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
}

/** A client for one provider; checks the URL and token once, with messages that never repeat the token. */
export function createScimClient(settings: ScimClientSettings): ScimClient {
  let url: URL;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    throw new Error('The SCIM base URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The SCIM base URL must start with https://.');
  if (url.username || url.password) throw new Error('The SCIM base URL must not contain credentials; use the SCIM token.');
  if (!settings.token.trim()) throw new Error('The SCIM token must not be empty.');
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const authorization = `Bearer ${settings.token}`;

  return {
    baseUrl,
    send: (method, path, body) =>
      httpRequest(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization,
          accept: `${SCIM_JSON}, application/json`,
          'user-agent': USER_AGENT,
          ...(body !== undefined ? { 'content-type': SCIM_JSON } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
      }),
  };
}

/** The body as JSON, or undefined when it is empty or not JSON. */
export function readJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The provider's own words for a failed answer: the SCIM error's detail and scimType, else an excerpt of the body. */
export function platformMessage(answer: Pick<HttpAnswer, 'text'>): string {
  return scimErrorMessage(readJson(answer.text)) ?? excerpt(answer.text);
}

/** `detail (scimType)` of a SCIM error body (RFC 7644 §3.12), or undefined when it is not one. */
export function scimErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const detail = typeof body.detail === 'string' ? excerpt(body.detail) : '';
  const scimType = typeof body.scimType === 'string' && body.scimType ? body.scimType : '';
  if (detail && scimType) return `${detail} (${scimType})`;
  return detail || scimType || undefined;
}

/** A plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs `work` over the items, at most `limit` at once; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
