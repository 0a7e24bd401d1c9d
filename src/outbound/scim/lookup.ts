import type { PushResult } from '../../licensing/sync/ports.js';
import { classifyAnswer, HttpUnreachableError, unreachable } from '../http.js';
import { isRecord, mapBounded, platformMessage, readJson, type ScimClient } from './client.js';
import { idsByUserName, userNameFilter } from './mapping.js';

/**
 * Finds the platform's ids of learners by email, many at a time: one `GET /Users?filter=userName
 * eq "a" or userName eq "b" …` per batch instead of one request per learner.
 */

/** Emails per filtered GET: short enough for any URL limit, well under the usual maxResults. */
export const LOOKUP_BATCH = 50;

/** What a lookup learned of one email: its id, that it is unknown, or why it could not be asked. */
export type Lookup = { kind: 'found'; id: string } | { kind: 'unknown' } | { kind: 'failed'; result: PushResult };

/** Looks the (lowercased) emails up; every email gets an answer. */
export async function lookUpByEmail(
  client: ScimClient,
  emails: readonly string[],
  options: { concurrency: number; batchSize: number },
): Promise<Map<string, Lookup>> {
  const unique = [...new Set(emails)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += options.batchSize) batches.push(unique.slice(i, i + options.batchSize));
  const answers = await mapBounded(batches, options.concurrency, (batch) => lookUpBatch(client, batch));
  return new Map(answers.flatMap((answer) => [...answer]));
}

async function lookUpBatch(client: ScimClient, emails: readonly string[]): Promise<Map<string, Lookup>> {
  const path = `/Users?filter=${encodeURIComponent(userNameFilter(emails))}&count=${emails.length}&attributes=userName`;
  let failure: PushResult;
  try {
    const answer = await client.send('GET', path);
    if (answer.status >= 200 && answer.status < 300) {
      const body = readJson(answer.text);
      if (isRecord(body)) {
        const resources = Array.isArray(body.Resources) ? body.Resources : [];
        const ids = idsByUserName(resources);
        return new Map(emails.map((email): [string, Lookup] => [email, lookupOf(ids.get(email))]));
      }
      failure = { kind: 'retry', reason: 'The platform answered a user lookup with something that is not a SCIM list.' };
    } else {
      // One email the provider cannot take in a filter must not fail the other 49: ask one by one.
      if (answer.status === 400 && emails.length > 1) return oneByOne(client, emails);
      const message = platformMessage(answer);
      failure = classifyAnswer(answer, message ? `The platform refused the user lookup: ${message}` : '');
    }
  } catch (error) {
    if (!(error instanceof HttpUnreachableError)) throw error;
    failure = unreachable(error);
  }
  return new Map(emails.map((email): [string, Lookup] => [email, { kind: 'failed', result: failure }]));
}

async function oneByOne(client: ScimClient, emails: readonly string[]): Promise<Map<string, Lookup>> {
  const answers = await mapBounded(emails, 4, (email) => lookUpBatch(client, [email]));
  return new Map(answers.flatMap((answer) => [...answer]));
}

function lookupOf(id: string | undefined): Lookup {
  return id ? { kind: 'found', id } : { kind: 'unknown' };
}
