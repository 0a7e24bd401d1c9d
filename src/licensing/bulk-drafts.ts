import type { BulkSelectionInput } from './bulk-selection.js';
import type { ChangeSpec } from './model.js';

/**
 * A bulk form between its filter step and its submission. Slack's private_metadata holds 3,000
 * characters, too few for a pasted list of emails, so the form carries only the draft's id.
 */
export interface BulkDraft {
  id: string;
  requestedBy: string;
  channelId?: string;
  selection: BulkSelectionInput;
  change: ChangeSpec;
  reason: string;
  createdAt: Date;
}

export interface BulkDraftStore {
  saveDraft(draft: Omit<BulkDraft, 'id'>): Promise<BulkDraft>;
  /** The draft, only for the user who made it. */
  getDraft(id: string, requestedBy: string): Promise<BulkDraft | null>;
}
