import { Schema, type Types } from 'mongoose';

export interface DraftDoc {
  _id: Types.ObjectId;
  requestedBy: string;
  channelId?: string;
  selection: Record<string, unknown>;
  change: Record<string, unknown>;
  reason: string;
  createdAt: Date;
  timing?: { applyAt?: Date; until?: Date; timeZone?: string };
}

export const draftSchema = new Schema<DraftDoc>(
  {
    requestedBy: { type: String, required: true },
    channelId: String,
    selection: { type: Schema.Types.Mixed, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    timing: { type: new Schema({ applyAt: Date, until: Date, timeZone: String }, { _id: false }), default: undefined },
  },
  { collection: 'bulk_drafts', versionKey: false, minimize: false },
);
// Looked up by _id; a form left open for a day is dropped.
draftSchema.index({ createdAt: 1 }, { expireAfterSeconds: 24 * 3600 });
