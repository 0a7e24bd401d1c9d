import type { Connection } from 'mongoose';
import type { BulkDraft, BulkDraftStore, BulkSelectionInput } from '../../licensing/bulk/ports.js';
import type { AdminChange } from '../../licensing/model.js';
import { type DraftDoc, modelsFor } from '../models/index.js';
import { isObjectId } from './mappers.js';

function toDraft(doc: DraftDoc): BulkDraft {
  return {
    id: String(doc._id),
    requestedBy: doc.requestedBy,
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    selection: doc.selection as BulkSelectionInput,
    change: doc.change as AdminChange,
    reason: doc.reason ?? '',
    createdAt: doc.createdAt,
    ...(doc.timing
      ? {
          timing: {
            ...(doc.timing.applyAt ? { applyAt: doc.timing.applyAt } : {}),
            ...(doc.timing.until ? { until: doc.timing.until } : {}),
            ...(doc.timing.timeZone ? { timeZone: doc.timing.timeZone } : {}),
          },
        }
      : {}),
  };
}

/** Bulk form drafts in MongoDB. */
export function createDraftRepository(connection: Connection): BulkDraftStore {
  const { BulkDraft: Draft } = modelsFor(connection);
  return {
    async saveDraft(draft) {
      const doc = await Draft.create({
        ...draft,
        selection: draft.selection as Record<string, unknown>,
        change: draft.change as unknown as Record<string, unknown>,
      });
      return toDraft(doc.toObject() as DraftDoc);
    },
    async getDraft(id, requestedBy) {
      if (!isObjectId(id)) return null;
      const doc = await Draft.findOne({ _id: id, requestedBy }).lean();
      return doc ? toDraft(doc as DraftDoc) : null;
    },
  };
}
