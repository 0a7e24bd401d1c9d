import { Schema, type Types } from 'mongoose';

export interface ReclaimRoundDoc {
  _id: Types.ObjectId;
  type: string;
  change: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  idleBefore: Date;
  graceEndsAt: Date;
  status: 'asking' | 'submitting' | 'submitted' | 'nothing_left' | 'failed';
  asked: number;
  sent: number;
  noSlack: number;
  failed: number;
  kept: number;
  released: number;
  requestId?: string;
  failureCode?: string;
}

export const reclaimRoundSchema = new Schema<ReclaimRoundDoc>(
  {
    type: { type: String, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    requestedBy: { type: String, required: true },
    channelId: String,
    createdAt: { type: Date, required: true },
    idleBefore: { type: Date, required: true },
    graceEndsAt: { type: Date, required: true },
    status: { type: String, enum: ['asking', 'submitting', 'submitted', 'nothing_left', 'failed'], required: true },
    asked: { type: Number, default: 0 },
    sent: { type: Number, default: 0 },
    noSlack: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    kept: { type: Number, default: 0 },
    released: { type: Number, default: 0 },
    requestId: String,
    failureCode: String,
  },
  { collection: 'reclaim_rounds', versionKey: false },
);
reclaimRoundSchema.index({ status: 1, graceEndsAt: 1 }); // rounds due at the end of their grace period, open rounds
reclaimRoundSchema.index({ createdAt: 1 }); // released seats per period (report, weekly summary)
