import { Schema, Types, type Connection } from 'mongoose';
import type { BulkDraft, BulkDraftStore } from '../licensing/bulk-drafts.js';
import type { ChangeSpec } from '../licensing/model.js';
import type { BulkSelectionInput } from '../licensing/bulk-selection.js';

interface DraftDoc {
  _id: Types.ObjectId;
  requestedBy: string;
  channelId?: string;
  selection: Record<string, unknown>;
  change: Record<string, unknown>;
  reason: string;
  createdAt: Date;
}

const draftSchema = new Schema<DraftDoc>(
  {
    requestedBy: { type: String, required: true },
    channelId: String,
    selection: { type: Schema.Types.Mixed, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    createdAt: { type: Date, required: true },
  },
  { collection: 'bulk_drafts', versionKey: false, minimize: false },
);
// Looked up by _id; a form left open for a day is dropped.
draftSchema.index({ createdAt: 1 }, { expireAfterSeconds: 24 * 3600 });

const cache = new WeakMap<Connection, ReturnType<typeof register>>();
const register = (connection: Connection) => connection.model('BulkDraft', draftSchema);

function model(connection: Connection) {
  let m = cache.get(connection);
  if (!m) {
    m = register(connection);
    cache.set(connection, m);
  }
  return m;
}

/** Creates the drafts collection's indexes. */
export async function ensureDraftIndexes(connection: Connection): Promise<void> {
  await model(connection).createIndexes();
}

function toDraft(doc: DraftDoc): BulkDraft {
  return {
    id: String(doc._id),
    requestedBy: doc.requestedBy,
    ...(doc.channelId ? { channelId: doc.channelId } : {}),
    selection: doc.selection as BulkSelectionInput,
    change: doc.change as ChangeSpec,
    reason: doc.reason ?? '',
    createdAt: doc.createdAt,
  };
}

/** Bulk form drafts in MongoDB. */
export function createDraftStore(connection: Connection): BulkDraftStore {
  const Draft = model(connection);
  return {
    async saveDraft(draft) {
      const doc = await Draft.create({ ...draft, selection: draft.selection as Record<string, unknown>, change: draft.change as unknown as Record<string, unknown> });
      return toDraft(doc.toObject() as DraftDoc);
    },
    async getDraft(id, requestedBy) {
      if (!/^[0-9a-f]{24}$/i.test(id)) return null;
      const doc = await Draft.findOne({ _id: id, requestedBy }).lean();
      return doc ? toDraft(doc as DraftDoc) : null;
    },
  };
}
