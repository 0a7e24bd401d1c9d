import type { Database, Repositories } from '../../src/db/index.js';
import type { BulkDeps, BulkFailure, BulkNotifier, BulkProgressCounts, BulkRequest, BulkSummary } from '../../src/licensing/bulk/ports.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { givenLearners, type LearnerSeed, licensingDeps } from './fixtures.js';

/** Real bulk services over a test database: admin UADMIN1, config lead ULEAD1, threshold 25. */
export function bulkDeps(db: { repositories: Repositories }, overrides: Partial<BulkDeps> = {}): BulkDeps {
  const { bulk, leads, drafts } = db.repositories;
  return {
    ...licensingDeps(db),
    bulk,
    leads,
    drafts,
    configApprovers: ['ULEAD1'],
    bulkApprovalThreshold: 25,
    approvalTtlHours: 72,
    ...overrides,
  };
}

export interface RecordedFinish {
  request: BulkRequest;
  summary: BulkSummary;
  failures: BulkFailure[];
}

/** A notifier that records what Slack would have been sent. */
export interface RecordingNotifier extends BulkNotifier {
  progressCalls: { requestId: string; counts: BulkProgressCounts }[];
  finishedCalls: RecordedFinish[];
  expiredCalls: BulkRequest[];
}

/** Records every call; `finished` reads the whole failure stream, as a CSV upload would. */
export function recordingNotifier(): RecordingNotifier {
  const notifier: RecordingNotifier = {
    progressCalls: [],
    finishedCalls: [],
    expiredCalls: [],
    async progress(request, counts) {
      notifier.progressCalls.push({ requestId: request.id, counts });
    },
    async finished(request, summary, failures) {
      const all: BulkFailure[] = [];
      for await (const failure of failures) all.push(failure);
      notifier.finishedCalls.push({ request, summary, failures: all });
      return { ts: `1700000000.${String(notifier.finishedCalls.length).padStart(6, '0')}` };
    },
    async expired(request) {
      notifier.expiredCalls.push(request);
    },
  };
  return notifier;
}

/** A logger that keeps its lines for assertions instead of printing them. */
export function quietLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return Object.assign(logger, { lines });
}

/** `count` active learners in `group`, holding `types`, with emails `<prefix><i>@example.com`. */
export async function givenManyLearners(
  db: Database,
  count: number,
  seed: Omit<LearnerSeed, 'email' | 'name'> & { prefix?: string } = {},
): Promise<string[]> {
  const { prefix = 'learner', ...rest } = seed;
  const ids: string[] = [];
  for (let start = 0; start < count; start += 5_000) {
    const chunk = Array.from({ length: Math.min(5_000, count - start) }, (_, i) => ({
      ...rest,
      email: `${prefix}${start + i}@example.com`,
      name: `${prefix} ${start + i}`,
    }));
    ids.push(...(await givenLearners(db, chunk)));
  }
  return ids;
}
