import type { Actor } from '../model.js';
import type { BulkDeps, BulkDraft, BulkSelectionInput } from './ports.js';

/** Keeps a bulk form's selection between its filter step and its submission (for a day). */
export async function saveBulkDraft(
  deps: Pick<BulkDeps, 'drafts' | 'now'>,
  actor: Actor,
  input: { selection: BulkSelectionInput; change: BulkDraft['change']; reason: string },
): Promise<BulkDraft> {
  return deps.drafts.saveDraft({
    requestedBy: actor.userId,
    ...(actor.channelId ? { channelId: actor.channelId } : {}),
    selection: input.selection,
    change: input.change,
    reason: input.reason,
    createdAt: deps.now(),
  });
}

/** The actor's own draft, or null when it expired or belongs to someone else. */
export async function getBulkDraft(
  deps: Pick<BulkDeps, 'drafts'>,
  actor: Pick<Actor, 'userId'>,
  draftId: string,
): Promise<BulkDraft | null> {
  return deps.drafts.getDraft(draftId, actor.userId);
}
