import { setTimeout as sleep } from 'node:timers/promises';
import { PlatformAuthError, PlatformUnavailableError, type PlatformUser } from '../../licensing/sync/ports.js';
import { type HttpAnswer, HttpUnreachableError, retryAfterMs } from '../http.js';
import { isRecord, platformMessage, readJson, type ScimClient } from './client.js';
import { type AttributePath, toPlatformUser } from './mapping.js';

/**
 * The platform's directory page by page (`GET /Users?startIndex=&count=`, RFC 7644 §3.4.2.4).
 * A read that fails is retried a few times, honouring Retry-After, then abandoned with a sentence.
 */

const TRIES = 4;
// A provider asking for longer than this is down for longer than a directory read should wait.
const MAX_WAIT_MS = 60_000;
const BACKOFF_MS = 500;

/** Yields the users one page at a time until `totalResults` or an empty page. */
export async function* listUsers(
  client: ScimClient,
  mapping: { license: AttributePath; groups: AttributePath },
  pageSize: number,
): AsyncGenerator<PlatformUser[]> {
  const count = Number.isInteger(pageSize) && pageSize > 0 ? pageSize : 100;
  let startIndex = 1;
  let previousFirst: string | undefined;
  for (;;) {
    const body = await readPage(client, `/Users?startIndex=${startIndex}&count=${count}`);
    const resources = Array.isArray(body.Resources) ? body.Resources : [];
    if (resources.length === 0) return;
    const users = resources.map((r) => toPlatformUser(r, mapping.license, mapping.groups)).filter((u) => u !== undefined);
    // A provider that ignores startIndex would hand out its first page forever.
    if (startIndex > 1 && users[0] && users[0].remoteId === previousFirst)
      throw new PlatformUnavailableError('The platform answered the same page of users twice; it seems to ignore startIndex.');
    previousFirst = users[0]?.remoteId;
    yield users;
    startIndex += resources.length;
    const total = typeof body.totalResults === 'number' ? body.totalResults : Number.NaN;
    if (Number.isFinite(total) && startIndex > total) return;
  }
}

async function readPage(client: ScimClient, path: string): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt += 1) {
    let answer: HttpAnswer;
    try {
      answer = await client.send('GET', path);
    } catch (error) {
      if (!(error instanceof HttpUnreachableError)) throw error;
      if (attempt >= TRIES) throw new PlatformUnavailableError(`${error.message}; gave up reading its users after ${TRIES} tries.`);
      await sleep(BACKOFF_MS * 2 ** (attempt - 1));
      continue;
    }
    const { status } = answer;
    if (status >= 200 && status < 300) {
      const body = readJson(answer.text);
      if (isRecord(body)) return body;
      throw new PlatformUnavailableError('The platform answered the user list with something that is not a SCIM list.');
    }
    const detail = platformMessage(answer);
    const said = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403)
      throw new PlatformAuthError(`The platform refused the SCIM token (HTTP ${status}) while listing its users${said}.`, status);
    const transient = status === 408 || status === 429 || status >= 500;
    const wait = retryAfterMs(answer.headers) ?? BACKOFF_MS * 2 ** (attempt - 1);
    if (!transient || attempt >= TRIES || wait > MAX_WAIT_MS) {
      const tries = transient ? ` after ${attempt} ${attempt === 1 ? 'try' : 'tries'}` : '';
      throw new PlatformUnavailableError(`The platform could not list its users (HTTP ${status}${tries})${said}.`);
    }
    await sleep(wait);
  }
}
