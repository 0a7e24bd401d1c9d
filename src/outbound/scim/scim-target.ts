import type { DirectorySource, LearnerSnapshot, PlatformUser, PushResult, PushTarget } from '../../licensing/sync/ports.js';
import { classifyAnswer, HttpUnreachableError, unreachable } from '../http.js';
import { type BulkLimits, bulkLimitsOf, chunkOperations, idFromLocation, type ScimOperation, sendBulk } from './bulk.js';
import { createScimClient, isRecord, mapBounded, platformMessage, readJson, type ScimClient } from './client.js';
import { listUsers } from './directory.js';
import { LOOKUP_BATCH, type Lookup, lookUpByEmail } from './lookup.js';
import {
  createRequest,
  DEFAULT_SCIM_LICENSE_ATTRIBUTE,
  desiredState,
  grantsAccess,
  parseAttributePath,
  patchRequest,
  type RevokeAll,
} from './mapping.js';

/**
 * The `scim` sync target (RFC 7643/7644): each learner's state becomes a PATCH of their platform
 * user (licenses in a multi-valued extension attribute, `active`), many at a time through the
 * Bulk endpoint when the provider offers it; unknown learners are created when allowed. The same
 * object reads the platform's directory for pulls.
 */

export { DEFAULT_SCIM_LICENSE_ATTRIBUTE };

/** The reason given for a learner the platform does not know when creating users is off. */
export const NOT_ON_PLATFORM = 'not on the platform (SCIM_CREATE_USERS is off)';
const DEFAULT_CONCURRENCY = 8;

/** Where the provider is and how learners map onto its users. */
export interface ScimTargetSettings {
  /** e.g. `https://host/scim/v2` */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`, never shown. */
  token: string;
  /** Multi-valued string attribute carrying license names; DEFAULT_SCIM_LICENSE_ATTRIBUTE when unset. */
  licenseAttribute?: string;
  /** A learner left without licenses: `deactivate` sets active false, `empty` clears the attribute. */
  revokeAll: RevokeAll;
  /** Create learners the platform does not know (POST /Users) instead of refusing them. */
  createUsers: boolean;
  /** Requests in flight at once when not using Bulk; 8 by default. */
  concurrency?: number;
  /** Deadline of one request; http.ts's default (15 s) when unset. */
  timeoutMs?: number;
  /** Where a user's groups are read from in pulls: `groups` (default), a core attribute or an extension path. */
  groupsAttribute?: string;
}

/** What the provider's ServiceProviderConfig lets us use. */
interface Features {
  bulk?: BulkLimits;
  lookupBatch: number;
}

/** One learner's next step: a request to send, or a result already known. */
type Step = { operation: ScimOperation } | { result: PushResult };

/** A `PushTarget` and `DirectorySource` over one SCIM service provider. */
export function createScimTarget(settings: ScimTargetSettings): PushTarget & DirectorySource {
  const client = createScimClient(settings);
  const license = parseAttributePath(settings.licenseAttribute ?? DEFAULT_SCIM_LICENSE_ATTRIBUTE);
  const groups = parseAttributePath(settings.groupsAttribute ?? 'groups');
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('The SCIM concurrency must be a whole number of at least 1.');
  // Platform ids by lowercased email, learned from lookups, creations and pulls: a learner is looked up once per process.
  const ids = new Map<string, string>();
  let features: Features | undefined;

  async function readFeatures(): Promise<Features | PushResult> {
    if (features) return features;
    try {
      const answer = await client.send('GET', '/ServiceProviderConfig');
      if (answer.status >= 200 && answer.status < 300) {
        features = featuresOf(readJson(answer.text));
        return features;
      }
      const result = classifyAnswer(answer, platformMessage(answer));
      if (result.kind === 'unauthorized' || result.kind === 'retry') return result;
    } catch (error) {
      if (!(error instanceof HttpUnreachableError)) throw error;
      return unreachable(error);
    }
    // No readable ServiceProviderConfig: plain requests work on every provider.
    features = { lookupBatch: LOOKUP_BATCH };
    return features;
  }

  async function plan(batch: readonly LearnerSnapshot[], useRemoteIds: boolean, lookupBatch: number): Promise<Step[]> {
    const known = (learner: LearnerSnapshot) => (useRemoteIds ? learner.remoteId : undefined) || ids.get(emailOf(learner));
    const wanted = batch.filter((learner) => !known(learner)).map(emailOf);
    const found = wanted.length ? await lookUpByEmail(client, wanted, { concurrency, batchSize: lookupBatch }) : new Map<string, Lookup>();
    return batch.map((learner): Step => {
      const state = desiredState(learner, settings.revokeAll);
      const lookup = found.get(emailOf(learner));
      if (lookup?.kind === 'failed') return { result: lookup.result };
      if (lookup?.kind === 'found') ids.set(emailOf(learner), lookup.id);
      const id = known(learner);
      if (id) return { operation: { method: 'PATCH', path: `/Users/${encodeURIComponent(id)}`, data: patchRequest(state, license), id } };
      // Nothing to grant to someone the platform does not have: their state there is already right.
      if (!grantsAccess(state)) return { result: { kind: 'ok' } };
      if (!settings.createUsers) return { result: { kind: 'rejected', reason: NOT_ON_PLATFORM } };
      return { operation: { method: 'POST', path: '/Users', data: createRequest(learner, state, license) } };
    });
  }

  async function execute(operations: readonly ScimOperation[], found: Features): Promise<PushResult[]> {
    if (!found.bulk) return mapBounded(operations, concurrency, (operation) => sendOne(client, operation));
    const results = new Array<PushResult>(operations.length);
    // Chunks go one after another: a Bulk request is already a lot of work for the provider.
    for (const chunk of chunkOperations(operations, found.bulk)) {
      const chunkOps = chunk.map((index) => operations[index]!);
      const answer = features?.bulk ? await sendBulk(client, chunkOps) : 'unsupported';
      if (answer === 'unsupported' && features) features = { ...features, bulk: undefined };
      const answered = Array.isArray(answer) ? answer : await mapBounded(chunkOps, concurrency, (operation) => sendOne(client, operation));
      chunk.forEach((index, position) => {
        results[index] = answered[position]!;
      });
    }
    return results;
  }

  async function settle(batch: readonly LearnerSnapshot[], found: Features, useRemoteIds: boolean): Promise<PushResult[]> {
    const steps = await plan(batch, useRemoteIds, found.lookupBatch);
    const pending = steps.flatMap((step, index) => ('operation' in step ? [{ index, operation: step.operation }] : []));
    const answered = await execute(
      pending.map((p) => p.operation),
      found,
    );
    const results = steps.map((step) => ('result' in step ? step.result : undefined));
    pending.forEach(({ index }, position) => {
      results[index] = answered[position];
    });
    // A remembered id whose user is gone (404): forget it and find the learner by email once more.
    const stale = pending
      .filter(({ index, operation }) => operation.method === 'PATCH' && isNotFound(results[index]))
      .map(({ index }) => index);
    if (stale.length > 0 && useRemoteIds) {
      for (const index of stale) ids.delete(emailOf(batch[index]!));
      const again = await settle(
        stale.map((index) => batch[index]!),
        found,
        false,
      );
      stale.forEach((index, position) => {
        results[index] = again[position];
      });
    }
    return results.map((result, index) => {
      const final = result ?? { kind: 'retry', reason: 'The SCIM adapter lost this learner’s result.' };
      if (final.kind === 'ok' && final.remoteId) ids.set(emailOf(batch[index]!), final.remoteId);
      return final;
    });
  }

  return {
    kind: 'scim',
    describe: () => `SCIM at ${client.baseUrl}`,
    async push(batch) {
      if (batch.length === 0) return [];
      const found = await readFeatures();
      if (!('lookupBatch' in found)) return batch.map(() => found);
      return settle(batch, found, true);
    },
    async probe() {
      try {
        // /Users always needs the token; a ServiceProviderConfig may be readable without one.
        const answer = await client.send('GET', '/Users?count=1&attributes=userName');
        const result = classifyAnswer(answer, platformMessage(answer));
        // The provider may have changed while sync was paused: read its features again on the next push.
        if (result.kind === 'ok') features = undefined;
        return result;
      } catch (error) {
        if (!(error instanceof HttpUnreachableError)) throw error;
        return unreachable(error);
      }
    },
    users: (pageSize = 100) => remembering(listUsers(client, { license, groups }, pageSize), ids),
  };
}

function featuresOf(config: unknown): Features {
  const filter = isRecord(config) && isRecord(config.filter) ? config.filter : {};
  const maxResults = typeof filter.maxResults === 'number' && filter.maxResults > 0 ? filter.maxResults : LOOKUP_BATCH;
  const bulk = bulkLimitsOf(config);
  return { lookupBatch: Math.min(LOOKUP_BATCH, maxResults), ...(bulk ? { bulk } : {}) };
}

async function sendOne(client: ScimClient, operation: ScimOperation): Promise<PushResult> {
  try {
    const answer = await client.send(operation.method, operation.path, operation.data);
    if (answer.status < 200 || answer.status >= 300) return classifyAnswer(answer, platformMessage(answer));
    const body = readJson(answer.text);
    const created = isRecord(body) && typeof body.id === 'string' ? body.id : idFromLocation(answer.headers.get('location'));
    const remoteId = operation.id ?? created;
    return remoteId ? { kind: 'ok', remoteId } : { kind: 'ok' };
  } catch (error) {
    if (!(error instanceof HttpUnreachableError)) throw error;
    return unreachable(error);
  }
}

// A pull lists every user with their id: remember them, so the next push needs no lookups.
async function* remembering(pages: AsyncIterable<PlatformUser[]>, ids: Map<string, string>): AsyncGenerator<PlatformUser[]> {
  for await (const page of pages) {
    for (const user of page) if (user.email) ids.set(user.email, user.remoteId);
    yield page;
  }
}

function emailOf(learner: LearnerSnapshot): string {
  return learner.email.trim().toLowerCase();
}

function isNotFound(result: PushResult | undefined): boolean {
  return result?.kind === 'rejected' && result.status === 404;
}
