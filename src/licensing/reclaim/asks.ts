import { audit } from '../audit.js';
import { type BulkSubmission, submitBulkRequest } from '../bulk/requests.js';
import { LicenseError } from '../errors.js';
import { type Actor, slackActor } from '../model.js';
import { enqueueNotices, noticeStates } from '../notices/queue.js';
import { planItems, runOperation, touchedTypes } from '../operations.js';
import type { ReclaimAskResult, ReclaimDeps, ReclaimRound } from './ports.js';
import { DAY_MS, reclaimSelection } from './reclaim.js';

const ASK_BATCH = 500;

/** The notice key of a round's question to one learner: one DM per learner and round. */
export function reclaimAskKey(roundId: string, learnerId: string): string {
  return `reclaim:${roundId}:${learnerId}`;
}

/** The source a round's questions are counted under on the notice queue. */
export function reclaimAskSource(roundId: string): string {
  return `reclaim:${roundId}`;
}

/** The round whose questions a notice source counts, if it is one. */
export function roundOfAskSource(source: string): string | null {
  const match = /^reclaim:([0-9a-f]{24})$/.exec(source);
  return match?.[1] ?? null;
}

/**
 * Puts the round's questions still to be asked on the notice queue, a batch at a time: the queue
 * sends them (Keep / Release DMs) paced with every other DM, once per learner and round, and finds
 * each learner's Slack user by email. Queued before they are marked, so a crash in between queues
 * nothing twice (the queue ignores keys it has).
 */
export async function queueReclaimAsks(
  deps: ReclaimDeps,
  roundId: string,
  hooks: { heartbeat?: () => Promise<void> } = {},
): Promise<{ queued: number }> {
  const round = await deps.reclaim.getRound(roundId);
  if (round?.status !== 'asking') return { queued: 0 };
  let queued = 0;
  for (;;) {
    await hooks.heartbeat?.();
    const learners = await deps.reclaim.pendingAsks(roundId, ASK_BATCH);
    if (learners.length === 0) return { queued };
    await enqueueNotices(
      deps,
      learners.map((learner) => ({
        key: reclaimAskKey(roundId, learner.id),
        source: reclaimAskSource(roundId),
        to: learner.slackUserId ? { slackUserId: learner.slackUserId } : { email: learner.email },
        notice: {
          kind: 'reclaim_ask',
          roundId,
          learnerId: learner.id,
          learnerName: learner.name,
          licenseType: round.type,
          graceEndsAt: round.graceEndsAt,
        },
        // An answer after the grace period is refused: the question is not asked then.
        expiresAt: round.graceEndsAt,
      })),
    );
    await deps.reclaim.markAsksQueued(
      roundId,
      learners.map((l) => l.id),
    );
    queued += learners.length;
  }
}

/** What the queue did with a round's questions, as recorded now. */
export interface AskOutcomes {
  sent: number;
  noSlack: number;
  failed: number;
}

/**
 * Records on the round what the notice queue did with its questions: to which Slack user each DM
 * went (the only one who may answer it), who has no Slack account, whose DM Slack refused. With
 * `learnerIds`, only theirs (a learner answering before the round caught up); otherwise the round's
 * queued questions in id order — the order the queue sends them — until a batch has nothing settled.
 */
export async function recordAskOutcomes(
  deps: Pick<ReclaimDeps, 'reclaim' | 'notices'>,
  roundId: string,
  options: { learnerIds?: readonly string[] } = {},
): Promise<AskOutcomes> {
  const recorded: AskOutcomes = { sent: 0, noSlack: 0, failed: 0 };
  let after: string | undefined;
  for (;;) {
    const ids = options.learnerIds ?? (await deps.reclaim.queuedAsks(roundId, ASK_BATCH, after));
    if (ids.length === 0) return recorded;
    const states = await noticeStates(
      deps,
      ids.map((id) => reclaimAskKey(roundId, id)),
    );
    const results: ReclaimAskResult[] = [];
    for (const learnerId of ids) {
      const notice = states.get(reclaimAskKey(roundId, learnerId));
      if (notice?.state === 'sent') results.push({ learnerId, outcome: 'sent', slackUserId: notice.slackUserId });
      else if (notice?.state === 'no_account') results.push({ learnerId, outcome: 'no_slack' });
      else if (notice?.state === 'failed') results.push({ learnerId, outcome: 'failed' });
    }
    if (results.length) await deps.reclaim.recordAsks(roundId, results);
    for (const result of results)
      if (result.outcome === 'sent') recorded.sent += 1;
      else if (result.outcome === 'no_slack') recorded.noSlack += 1;
      else recorded.failed += 1;
    // Nothing settled in this batch: the ones after it are further back in the queue.
    if (options.learnerIds || results.length === 0) return recorded;
    after = ids[ids.length - 1];
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
  const answer = () =>
    deps.reclaim.answerAsk(input.roundId, input.learnerId, input.slackUserId, {
      state: input.answer === 'keep' ? 'kept' : 'released',
      at: now,
      ...(exemptUntil ? { exemptUntil } : {}),
    });
  let answered = await answer();
  // Answered before the round recorded where the DM went (the queue sent it moments ago): record it, then try again.
  if (!answered && (await recordAskOutcomes(deps, round.id, { learnerIds: [learner.id] })).sent) answered = await answer();
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

/** Rounds still asking whose questions are not all queued, or whose DMs' outcomes are not all recorded. */
export async function roundsToAsk(deps: ReclaimDeps): Promise<string[]> {
  return (await deps.reclaim.openRounds(20))
    .filter((round) => round.sent + round.noSlack + round.failed < round.asked)
    .map((round) => round.id);
}
