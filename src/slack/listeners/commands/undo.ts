import { requestUndo } from '../../../licensing/undo/undo.js';
import { announceSubmission } from '../../flows/announce-submission.js';
import { buildNotice } from '../../views/blocks.js';
import type { CommandContext } from './context.js';

const n = (value: number) => value.toLocaleString('en-US');

/** `/license undo <job>`: asks for the undo of a finished bulk job, through the same approval. */
export async function handleUndoCommand(ctx: CommandContext, jobId: string): Promise<void> {
  const submission = await requestUndo(ctx.deps.services, ctx.actor, jobId);
  await ctx.reply(
    buildNotice(
      `Undo of job ${jobId}: ${n(submission.request.preview.toChange)} learners go back to what they held before${submission.changedSince ? `; ${n(submission.changedSince)} changed since and are not restored` : ''}. ${submission.needsApproval ? 'It needs a team lead’s approval, like the job did.' : 'It runs now.'} (job ${submission.request.id})`,
    ),
  );
  await announceSubmission(ctx.client, ctx.deps, submission);
}
