import type { PushResult } from '../../licensing/sync/ports.js';
import { classifyAnswer, HttpUnreachableError, unreachable } from '../http.js';
import { isRecord, platformMessage, readJson, type ScimClient, scimErrorMessage } from './client.js';

/**
 * Many learners in one request through the SCIM Bulk endpoint (RFC 7644 §3.7), within the
 * provider's maxOperations and maxPayloadSize, and each operation's answer back to its learner.
 */

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
// Far below any provider's own limit would be pointless; far above makes one slow request carry too much.
const MAX_OPERATIONS = 1000;
// Room for the envelope (schemas, failOnErrors, brackets) when measuring a chunk.
const ENVELOPE_BYTES = 256;

/** One learner's change, as a single request or a Bulk operation. */
export interface ScimOperation {
  method: 'PATCH' | 'POST';
  /** `/Users/{id}` or `/Users`. */
  path: string;
  data: Record<string, unknown>;
  /** The user's id for a PATCH: it is the result's remoteId. */
  id?: string;
}

/** The provider's Bulk limits from its ServiceProviderConfig. */
export interface BulkLimits {
  maxOperations: number;
  maxPayloadSize: number;
}

/** The Bulk settings a ServiceProviderConfig announces, or undefined when Bulk is not supported. */
export function bulkLimitsOf(config: unknown): BulkLimits | undefined {
  const bulk = isRecord(config) && isRecord(config.bulk) ? config.bulk : undefined;
  if (!bulk || (bulk.supported !== true && bulk.supported !== 'true')) return undefined;
  const maxOperations = positive(bulk.maxOperations) ?? 100;
  const maxPayloadSize = positive(bulk.maxPayloadSize) ?? 1_048_576;
  return { maxOperations: Math.min(maxOperations, MAX_OPERATIONS), maxPayloadSize };
}

function positive(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}

/** Splits operations (by index) into chunks that stay within both limits; an oversized operation travels alone. */
export function chunkOperations(operations: readonly ScimOperation[], limits: BulkLimits): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = ENVELOPE_BYTES;
  operations.forEach((operation, index) => {
    const size = Buffer.byteLength(JSON.stringify(bulkOperation(operation, index))) + 1;
    if (current.length > 0 && (current.length >= limits.maxOperations || bytes + size > limits.maxPayloadSize)) {
      chunks.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function bulkOperation(operation: ScimOperation, index: number): Record<string, unknown> {
  return { method: operation.method, bulkId: `op${index}`, path: operation.path, data: operation.data };
}

/**
 * `unsupported`: the endpoint is not there after all (404, 405, 501); `one-by-one`: it refused
 * this request as a whole (400, 413), which one bad operation or a size the provider
 * under-announced can cause. Either way the caller sends these operations one by one.
 */
export type BulkFallback = 'unsupported' | 'one-by-one';

/**
 * Sends one chunk as a BulkRequest and answers one result per operation, in order. A refusal of
 * the whole request (401, 429, 5xx, no answer) is every operation's result.
 */
export async function sendBulk(client: ScimClient, operations: readonly ScimOperation[]): Promise<PushResult[] | BulkFallback> {
  const request = {
    schemas: [BULK_REQUEST_SCHEMA],
    // Learners are independent: one refused learner must not stop the others.
    failOnErrors: operations.length,
    Operations: operations.map(bulkOperation),
  };
  let whole: PushResult;
  try {
    const answer = await client.send('POST', '/Bulk', request);
    if (answer.status >= 200 && answer.status < 300) {
      const body = readJson(answer.text);
      if (isRecord(body) && Array.isArray(body.Operations)) return matchResults(operations, body.Operations, answer.headers);
      whole = { kind: 'retry', reason: 'The platform answered a Bulk request with something that is not a SCIM BulkResponse.' };
    } else if ([404, 405, 501].includes(answer.status)) {
      return 'unsupported';
    } else if (answer.status === 400 || answer.status === 413) {
      return 'one-by-one';
    } else {
      whole = classifyAnswer(answer, platformMessage(answer));
    }
  } catch (error) {
    if (!(error instanceof HttpUnreachableError)) throw error;
    whole = unreachable(error);
  }
  return operations.map(() => whole);
}

/**
 * Pairs each answered operation with the one sent: by bulkId when the provider echoes it (RFC
 * 7644 requires it only for POST), else by method and location, else by position.
 */
function matchResults(sent: readonly ScimOperation[], answered: readonly unknown[], headers: Headers): PushResult[] {
  const results = new Array<PushResult | undefined>(sent.length);
  answered.forEach((raw, position) => {
    if (!isRecord(raw)) return;
    const index = indexOf(sent, results, raw, position);
    if (index !== undefined) results[index] = resultOf(sent[index]!, raw, headers);
  });
  return results.map(
    (result) => result ?? { kind: 'retry', reason: 'The platform’s Bulk response had no result for this learner; it will be sent again.' },
  );
}

function indexOf(
  sent: readonly ScimOperation[],
  results: readonly (PushResult | undefined)[],
  answered: Record<string, unknown>,
  position: number,
): number | undefined {
  const free = (index: number) => index >= 0 && index < sent.length && results[index] === undefined;
  const bulkId = typeof answered.bulkId === 'string' ? /^op(\d+)$/.exec(answered.bulkId) : null;
  if (bulkId && free(Number(bulkId[1]))) return Number(bulkId[1]);
  const id = idFromLocation(answered.location);
  const method = typeof answered.method === 'string' ? answered.method.toUpperCase() : undefined;
  if (id) {
    const byLocation = sent.findIndex((op, index) => free(index) && op.id === id && (!method || op.method === method));
    if (byLocation >= 0) return byLocation;
  }
  return free(position) && (!method || sent[position]!.method === method) ? position : undefined;
}

function resultOf(sent: ScimOperation, answered: Record<string, unknown>, headers: Headers): PushResult {
  const status = statusOf(answered.status);
  if (status === undefined) return { kind: 'retry', reason: 'The platform’s Bulk response gave this learner no status.' };
  const result = classifyAnswer({ status, headers }, scimErrorMessage(answered.response) ?? '');
  if (result.kind !== 'ok') return result;
  const remoteId =
    sent.id ?? idFromLocation(answered.location) ?? (isRecord(answered.response) ? stringOf(answered.response.id) : undefined);
  return remoteId ? { kind: 'ok', remoteId } : { kind: 'ok' };
}

// "201" per RFC 7644; some providers send a number, SCIM 1.1 ones { code }.
function statusOf(value: unknown): number | undefined {
  const raw = isRecord(value) ? value.code : value;
  const status = typeof raw === 'string' ? Number.parseInt(raw, 10) : raw;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

/** The last path segment of a resource location (`…/Users/{id}`). */
export function idFromLocation(location: unknown): string | undefined {
  if (typeof location !== 'string' || !location) return undefined;
  const path = location.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (!segment || segment.toLowerCase() === 'users') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
