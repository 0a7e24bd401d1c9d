import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { LicensingDeps } from '../deps.js';
import { type ErrorCode, LicenseError } from '../errors.js';
import { type Actor, type ChangeSpec, changeBlocker, freeSeats, type LicenseType } from '../model.js';
import { plannedOperation, runOperationToEnd } from '../operations.js';

/** One run of a Workflow Builder step: Slack's execution id, and the person it runs as (the workflow's initiator). */
export interface StepRun {
  executionId: string;
  workflowExecutionId?: string;
  /** A Slack user id; the actor of everything the step does, with the source `workflow`. */
  runAs: string;
}

function actorOf(run: StepRun): Actor {
  return { userId: run.runAs, source: 'workflow' };
}

/** The license type a person typed: its key, or its name in any case. */
export function findLicenseType(types: readonly LicenseType[], text: string): LicenseType | null {
  const wanted = text.trim().toLowerCase();
  return types.find((t) => t.key === wanted) ?? types.find((t) => t.name.toLowerCase() === wanted) ?? null;
}

/**
 * The *Reassign a license* step: moves a learner to a license type through the operation engine
 * (seats checked, history and audit written with the source `workflow`). The operation is
 * `workflow:<function execution id>`, so Slack delivering the event twice changes the learner
 * once. Refusals (not an admin, unknown learner or type, no seats) are audited and thrown.
 */
export async function reassignFromWorkflow(
  deps: LicensingDeps,
  run: StepRun,
  input: { learnerEmail: string; licenseType: string; reason: string },
): Promise<{ licenses: string[]; status: 'applied' }> {
  const actor = actorOf(run);
  const details = { executionId: run.executionId, ...(run.workflowExecutionId ? { workflowExecutionId: run.workflowExecutionId } : {}) };
  await requireAdmin(deps, actor, 'reassign', { learnerEmail: input.learnerEmail });
  const opId = `workflow:${run.executionId}`;
  let op = await deps.store.getOperation(opId);
  if (!op) {
    const [learner, types] = await Promise.all([deps.store.findLearnerByEmail(input.learnerEmail), deps.store.listLicenseTypes()]);
    const target = findLicenseType(types, input.licenseType);
    const refuse = async (code: ErrorCode): Promise<never> => {
      await audit(
        deps,
        actor,
        'reassign',
        {
          ...(learner
            ? { learnerId: learner.id, learnerEmail: learner.email, from: learner.licenseTypes }
            : { learnerEmail: input.learnerEmail }),
          ...(target ? { to: [target.key] } : {}),
          details,
        },
        { refused: code },
      );
      throw new LicenseError(code);
    };
    if (!learner) return refuse('learner_not_found');
    if (!target) return refuse('unknown_license_type');
    const change: ChangeSpec = { kind: 'reassign', to: target.key, from: learner.licenseTypes.find((t) => t !== target.key) ?? null };
    const blocker = changeBlocker(learner, change);
    if (blocker) return refuse(blocker);
    if (freeSeats(target) < 1) return refuse('no_seats_left');
    op = await deps.store.createOperation(
      plannedOperation({
        id: opId,
        change,
        learners: [learner],
        actor,
        reason: input.reason.trim() || 'Workflow Builder step',
        createdAt: deps.now(),
        ...(deps.syncChanges ? { sync: true } : {}),
        ...(deps.learnerNotices ? { notify: true } : {}),
      }),
    );
  }
  // Slack delivering the event again while the first delivery runs: wait for it, same outcome.
  const result = await runOperationToEnd(deps.store, op.id, deps.processId, deps.now, op);
  const applied = result.applied[0];
  if (!applied) throw new LicenseError((result.failed[0]?.code ?? 'learner_changed') as ErrorCode);
  return { licenses: applied.next, status: 'applied' };
}

/** The *Check seats* step: a type's capacity (null: unlimited), seats in use and free; audited like any step. */
export async function checkSeatsFromWorkflow(
  deps: LicensingDeps,
  run: StepRun,
  licenseType: string,
): Promise<{ type: LicenseType; capacity: number | null; inUse: number; free: number | null }> {
  const actor = actorOf(run);
  const details = { executionId: run.executionId, licenseType };
  await requireAdmin(deps, actor, 'seats.check');
  const type = findLicenseType(await deps.store.listLicenseTypes(), licenseType);
  if (!type) {
    await audit(deps, actor, 'seats.check', { details }, { refused: 'unknown_license_type' });
    throw new LicenseError('unknown_license_type');
  }
  await audit(deps, actor, 'seats.check', { details: { ...details, seatsInUse: type.seatsInUse } }, 'applied');
  return { type, capacity: type.capacity, inUse: type.seatsInUse, free: type.capacity === null ? null : freeSeats(type) };
}
