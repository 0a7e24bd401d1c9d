import type { Actor } from '../model.js';
import { checkTiming, type Timing } from '../schedule/timing.js';
import type { BulkDeps, BulkDraft, BulkSelectionInput } from './ports.js';

/**
 * Keeps a bulk form's selection between its filter step and its submission (for a day). Its
 * "apply at" and "until" are checked now, so the form can point at the field; submitting checks
 * them again.
 */
export async function saveBulkDraft(
  deps: Pick<BulkDeps, 'drafts' | 'now' | 'maxGrantDays'>,
  actor: Actor,
  input: { selection: BulkSelectionInput; change: BulkDraft['change']; reason: string; timing?: Timing },
): Promise<BulkDraft> {
  if (input.timing) checkTiming(input.timing, input.change, deps.now(), deps.maxGrantDays);
  return deps.drafts.saveDraft({
    requestedBy: actor.userId,
    ...(actor.channelId ? { channelId: actor.channelId } : {}),
    selection: input.selection,
    change: input.change,
    reason: input.reason,
    createdAt: deps.now(),
    ...(input.timing && (input.timing.applyAt || input.timing.until) ? { timing: input.timing } : {}),
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
