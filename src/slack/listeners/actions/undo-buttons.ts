import type { ErrorCode } from '../../../licensing/errors.js';
import { errorMessages } from '../../../licensing/errors.js';
import { requestUndo, undoSingleChange } from '../../../licensing/undo/undo.js';
import type { SlackDeps } from '../../deps.js';
import { announceSubmission } from '../../flows/announce-submission.js';
import { ids } from '../../ids.js';
import { replyToClicker, replyWithError } from '../../support/reply.js';
import { respondWithError } from '../../support/respond.js';
import { buildNotice, type KnownBlock } from '../../views/blocks.js';
import { buildUndoRequestedLine } from '../../views/bulk-messages.js';
import { buildSingleUndoneMessage } from '../../views/review-message.js';
import { actorOf, type ButtonArgs, requestIdOf } from './button-args.js';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * Undo on a finished job's notice (or the admin's App Home): the undo request goes through the same
 * approval; the notice loses its button. From the Home, the answer goes to the admin's DM.
 */
export function handleUndoJob(deps: SlackDeps) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    const clicker = { body, respond, client };
    try {
      const submission = await requestUndo(deps.services, actor, requestIdOf(action));
      const message = body.message as { ts?: string; text?: string; blocks?: KnownBlock[] } | undefined;
      if (message?.blocks && body.channel?.id && message.ts) {
        // The notice says it was undone, for everyone in the channel; no second Undo.
        const blocks = message.blocks.filter((b) => b.block_id !== ids.undo.jobActionsBlock);
        await client.chat
          .update({
            channel: body.channel.id,
            ts: message.ts,
            text: message.text ?? 'Bulk license change',
            blocks: [...blocks, buildUndoRequestedLine(submission.request.id, actor.userId)],
          })
          .catch((error: unknown) => deps.logger.warn('could not mark the notice undone', { error }));
      }
      await replyToClicker(
        clicker,
        buildNotice(
          `Undo submitted for ${n(submission.request.preview.toChange)} learners${submission.changedSince ? ` (${n(submission.changedSince)} changed since, not restored)` : ''}${submission.needsApproval ? '; it needs a team lead’s approval, like the job did' : '; it runs now'} (job ${submission.request.id}).`,
        ),
      );
      await announceSubmission(client, deps, submission);
      // Admins' Homes: the job is undone (no second Undo) and the undo waits or runs.
      deps.homes.staffChanged();
    } catch (error) {
      await replyWithError(clicker, error, deps.logger, { action: ids.undo.job, user: actor.userId });
    }
  };
}

/** Undo on a single change's outcome message: applied at once through the engine, once. */
export function handleUndoSingle(deps: SlackDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const outcome = await undoSingleChange(deps.services, actor, requestIdOf(action));
      const result =
        outcome.kind === 'failed'
          ? { kind: 'failed' as const, sentence: errorMessages[outcome.code as ErrorCode] ?? outcome.code }
          : outcome;
      if (outcome.kind === 'undone') {
        deps.homes.staffChanged();
        deps.homes.learnersChanged([outcome.item.email]);
      }
      await respond({ replace_original: true, ...buildSingleUndoneMessage(result, actor.userId, deps.services.now()) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: ids.undo.single, user: actor.userId });
    }
  };
}
