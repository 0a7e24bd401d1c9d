import { type BatchPlanner, bulkAgainOpId } from '../bulk/runner.js';
import type { LicensingDeps } from '../deps.js';
import type { Learner } from '../model.js';
import type { Operation, OpFailure, OpItem } from '../ports.js';

function sameTypes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((type) => b.includes(type));
}

/**
 * The compensating change of one batch of a job: each learner the batch changed goes back to
 * exactly what they held before it, but only if they are unchanged since (their version is the
 * one the job left); the others are refused as `changed_since`.
 */
export function planRestore(
  op: Operation,
  learners: ReadonlyMap<string, Learner>,
  checkpoint: string | null,
): { items: OpItem[]; failed: OpFailure[] } {
  const applied = new Set(op.appliedIds ?? []);
  const items: OpItem[] = [];
  const failed: OpFailure[] = [];
  for (const item of op.items) {
    if (!applied.has(item.learnerId) || (checkpoint !== null && item.learnerId <= checkpoint)) continue;
    const learner = learners.get(item.learnerId);
    const refuse = (code: string) => failed.push({ learnerId: item.learnerId, email: item.email, code });
    if (!learner) refuse('learner_not_found');
    else if (sameTypes(learner.licenseTypes, item.prev)) refuse('already_restored');
    // The job bumped the version once; anything since bumped it again.
    else if (learner.version !== item.version + 1 || !sameTypes(learner.licenseTypes, item.next)) refuse('changed_since');
    else if (learner.status !== 'active' && item.prev.length > 0) refuse('learner_deactivated');
    else
      items.push({
        learnerId: learner.id,
        email: learner.email,
        version: learner.version,
        prev: [...learner.licenseTypes],
        next: [...item.prev],
      });
  }
  return { items, failed };
}

/**
 * Batches of an undo, read from the undone job's own operations (batch by batch, in learner id
 * order, as the job ran them) and planned against the learners as they are now.
 */
export function undoBatchPlanner(deps: Pick<LicensingDeps, 'store'>, originalOpId: (batchNo: number) => string): BatchPlanner {
  let batchNo = 1;
  /** A batch of the undone job: its operations (with the second one, for learners that changed meanwhile) and their learners now. */
  const load = async (n: number): Promise<{ ops: Operation[]; learners: Map<string, Learner> } | null> => {
    const op = await deps.store.getOperation(originalOpId(n));
    if (!op) return null;
    const changed = new Set(op.appliedIds ?? []);
    const again = op.items.some((i) => !changed.has(i.learnerId)) ? await deps.store.getOperation(bulkAgainOpId(op.id)) : null;
    const ops = again ? [op, again] : [op];
    const ids = ops.flatMap((o) => {
      const applied = new Set(o.appliedIds ?? []);
      return o.items.filter((i) => applied.has(i.learnerId)).map((i) => i.learnerId);
    });
    const learners = ids.length ? await deps.store.findLearnersByIds(ids) : [];
    return { ops, learners: new Map(learners.map((l) => [l.id, l])) };
  };
  // The job's operations never change once settled, and the next batch's learners are not this
  // one's: the next batch is read while this one is applied (from the moment its learner writes
  // go out, see BatchPlanner.prefetch). A learner changed in between fails the restore's version
  // check instead of being restored from a stale copy.
  let ahead: ReturnType<typeof load> | undefined;
  return {
    async next(checkpoint) {
      for (;;) {
        const batch = await (ahead ?? load(batchNo));
        ahead = undefined;
        if (!batch) return null;
        batchNo += 1;
        const plans = batch.ops.map((o) => planRestore(o, batch.learners, checkpoint));
        const items = plans.flatMap((p) => p.items);
        const failed = plans.flatMap((p) => p.failed);
        if (items.length === 0 && failed.length === 0) continue;
        return { items, failed };
      }
    },
    prefetch() {
      if (ahead) return;
      const following = load(batchNo);
      ahead = following;
      // A failed read ahead is read again when its turn comes.
      following.catch(() => {
        if (ahead === following) ahead = undefined;
      });
    },
    async close() {
      await ahead?.catch(() => undefined);
    },
  };
}
