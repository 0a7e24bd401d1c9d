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
  },
  { collection: 'change_requests', versionKey: false },
);
// Looked up by _id only; unconfirmed review messages are dropped after 30 days.
changeRequestSchema.index({ createdAt: 1 }, { expireAfterSeconds: 30 * 24 * 3600, partialFilterExpression: { status: 'pending' } });
