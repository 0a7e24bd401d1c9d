import { Schema, type Types } from 'mongoose';

export interface ChangeRequestDoc {
  _id: Types.ObjectId;
  status: 'pending' | 'confirmed' | 'applied' | 'failed' | 'cancelled' | 'scheduled';
  learnerId: string;
  change: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  leaseUntil?: Date;
  outcomeCode?: string;
  applyAt?: Date;
  until?: Date;
  timeZone?: string;
  submissionKey?: string;
  reviewMessage?: { channel: string; ts: string };
}

export const changeRequestSchema = new Schema<ChangeRequestDoc>(
  {
    status: { type: String, required: true, enum: ['pending', 'confirmed', 'applied', 'failed', 'cancelled', 'scheduled'] },
    learnerId: { type: String, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    requestedBy: { type: String, required: true },
    channelId: String,
    createdAt: { type: Date, required: true },
    decidedBy: String,
    decidedAt: Date,
    leaseUntil: Date,
    outcomeCode: String,
    applyAt: Date,
    until: Date,
    timeZone: String,
    submissionKey: String,
    reviewMessage: { type: new Schema({ channel: String, ts: String }, { _id: false }), default: undefined },
  },
  { collection: 'change_requests', versionKey: false },
);
// Looked up by _id; a replayed submission by its key (unique: one request per submission).
changeRequestSchema.index({ submissionKey: 1 }, { unique: true, partialFilterExpression: { submissionKey: { $type: 'string' } } });
// Unconfirmed review messages are dropped after 30 days.
changeRequestSchema.index({ createdAt: 1 }, { expireAfterSeconds: 30 * 24 * 3600, partialFilterExpression: { status: 'pending' } });
