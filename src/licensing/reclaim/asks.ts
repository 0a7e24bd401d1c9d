import { audit } from '../audit.js';
import { type BulkSubmission, submitBulkRequest } from '../bulk/requests.js';
import { LicenseError } from '../errors.js';
import { type Actor, slackActor } from '../model.js';
import { planItems, runOperation, touchedTypes } from '../operations.js';
import type { ReclaimAsker, ReclaimDeps, ReclaimRound } from './ports.js';
import { DAY_MS, reclaimSelection } from './reclaim.js';

const ASK_BATCH = 50;

/**
 * Sends the round's pending questions, a batch at a time, until none is left. When the asker
 * says Slack wants it to slow down, waits that long (with `heartbeat` so a job keeps its lock)
 * and goes on. Learners without a Slack account are counted and not asked again.
 */
export async function sendReclaimAsks(
  deps: ReclaimDeps,
  asker: ReclaimAsker,
  roundId: string,
  hooks: { sleep?: (ms: number) => Promise<void>; heartbeat?: () => Promise<void> } = {},
): Promise<{ sent: number; noSlack: number }> {
  const round = await deps.reclaim.getRound(roundId);
  if (round?.status !== 'asking') return { sent: 0, noSlack: 0 };
  const typeName = (await deps.store.getLicenseType(round.type))?.name ?? round.type;
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let sent = 0;
  let noSlack = 0;
  for (;;) {
    await hooks.heartbeat?.();
    const learners = await deps.reclaim.pendingAsks(roundId, ASK_BATCH);
    if (learners.length === 0) return { sent, noSlack };
    const { results, retryAfterMs } = await asker.ask(
      learners.map((learner) => ({
        key: `${roundId}:${learner.id}`,
        roundId,
        learnerId: learner.id,
        email: learner.email,
        name: learner.name,
        typeName,
        graceEndsAt: round.graceEndsAt,
      })),
    );
    await deps.reclaim.recordAsks(roundId, results);
    for (const result of results)
      if (result.outcome === 'sent') sent += 1;
      else noSlack += 1;
    if (retryAfterMs !== undefined) await sleep(retryAfterMs);
    else if (results.length === 0) return { sent, noSlack };
  }
}

export type ReclaimAnswer = 'keep' | 'release';

/** What the learner is told after answering. */
export interface ReclaimAnswerOutcome {
  answer: ReclaimAnswer;
  round: ReclaimRound;
  typeName: string;
  /** Keep: exempt until then. */
  exemptUntil?: Date;
}

/**
 * A learner answers the question: Keep exempts them for RECLAIM_COOLDOWN_DAYS; Release frees the
 * seat at once through the operation engine (exactly once: the op id is the round and learner).
 * Only the Slack user who was asked may answer, once, before the grace period ends.
 */
export async function answerReclaimAsk(
  deps: ReclaimDeps,
  input: { roundId: string; learnerId: string; slackUserId: string; answer: ReclaimAnswer },
): Promise<ReclaimAnswerOutcome> {
  const actor: Actor = slackActor(input.slackUserId);
  const action = `reclaim.${input.answer}`;
  const round = await deps.reclaim.getRound(input.roundId);
  const now = deps.now();
  const refuse = async (code: 'reclaim_round_closed' | 'not_your_seat' | 'reclaim_answered'): Promise<never> => {
    await audit(deps, actor, action, { learnerId: input.learnerId, details: { roundId: input.roundId } }, { refused: code });
    throw new LicenseError(code);
  };
  if (round?.status !== 'asking' || round.graceEndsAt <= now) return refuse('reclaim_round_closed');
  const learner = await deps.store.findLearnerById(input.learnerId);
  if (!learner) return refuse('not_your_seat');
  const exemptUntil = input.answer === 'keep' ? new Date(now.getTime() + deps.reclaimSettings.cooldownDays * DAY_MS) : undefined;
  let answered = await deps.reclaim.answerAsk(input.roundId, input.learnerId, input.slackUserId, {
    state: input.answer === 'keep' ? 'kept' : 'released',
    at: now,
    ...(exemptUntil ? { exemptUntil } : {}),
  });
  const typeName = (await deps.store.getLicenseType(round.type))?.name ?? round.type;
  if (!answered) {
    const ask = await deps.reclaim.askOf(input.learnerId);
    const theirs = ask?.round === input.roundId && ask.slackUserId === input.slackUserId;
    // A Release whose seat change was interrupted (a crash, a timeout) is finished by clicking again.
    if (!(theirs && input.answer === 'release' && ask?.state === 'released')) return refuse(theirs ? 'reclaim_answered' : 'not_your_seat');
    answered = learner;
  }
  if (input.answer === 'keep') {
    await audit(deps, actor, action, { learnerId: learner.id, learnerEmail: learner.email, details: { roundId: round.id } }, 'applied');
    return { answer: 'keep', round, typeName, ...(exemptUntil ? { exemptUntil } : {}) };
  }
  const opId = `reclaim:${round.id}:${learner.id}`;
  let op = await deps.store.getOperation(opId);
  if (!op) {
    const { items, failed } = planItems([answered], { change: round.change });
    if (items.length === 0 && failed.length === 0) throw new LicenseError('change_already_done');
    op = await deps.store.createOperation({
      id: opId,
      state: 'planned',
      change: round.change,
      actor: input.slackUserId,
      source: 'slack',
      reason: `Released by the learner when asked (reclaim of ${typeName})`,
      items,
      failed,
      touchedTypes: touchedTypes(items),
      createdAt: now,
      ...(deps.syncChanges ? { sync: true } : {}),
    });
  }
  await runOperation(deps.store, op.id, deps.processId, deps.now, op);
  return { answer: 'release', round, typeName };
}

/** A round whose grace period ended, and the request made for its silent learners (if any). */
export interface ClosedRound {
  round: ReclaimRound;
  submission?: BulkSubmission;
  /** Why no request was made: nobody left, or the submission was refused. */
  code?: string;
}

/**
 * Ends the rounds whose grace period is over: the learners who stayed silent (or have no Slack)
 * are reclaimed by a bulk request in the name of the admin who started the round, through the
 * usual approval. Each round is claimed with one conditional update, so it is submitted once.
 */
export async function closeDueRounds(deps: ReclaimDeps, now: Date = deps.now()): Promise<ClosedRound[]> {
  const closed: ClosedRound[] = [];
  for (const id of await deps.reclaim.dueRounds(now, 20)) {
    const round = await deps.reclaim.moveRound(id, 'asking', 'submitting');
    if (!round) continue;
    const actor = slackActor(round.requestedBy, round.channelId);
    try {
      const submission = await submitBulkRequest(deps, actor, {
        selection: reclaimSelection(deps.reclaimSettings, round.type, now, { round: round.id, idleBefore: round.idleBefore }),
        change: round.change,
        reason: round.reason,
        ...(round.channelId ? { channelId: round.channelId } : {}),
        reclaim: { type: round.type, roundId: round.id },
      });
      const moved = await deps.reclaim.moveRound(id, 'submitting', 'submitted', { requestId: submission.request.id });
      closed.push({ round: moved ?? round, submission });
    } catch (error) {
      if (!(error instanceof LicenseError)) {
        // Back to asking: the next sweep tries again.
        await deps.reclaim.moveRound(id, 'submitting', 'asking');
        throw error;
      }
      const status = error.code === 'nothing_to_change' ? 'nothing_left' : 'failed';
      const moved = await deps.reclaim.moveRound(id, 'submitting', status, status === 'failed' ? { failureCode: error.code } : {});
      closed.push({ round: moved ?? round, code: error.code });
    }
  }
  return closed;
}

/** Rounds still asking whose DMs are not all sent (a crashed sender, or one just started). */
export async function roundsToAsk(deps: ReclaimDeps): Promise<string[]> {
  return (await deps.reclaim.openRounds(20)).filter((round) => round.sent + round.noSlack < round.asked).map((round) => round.id);
}
