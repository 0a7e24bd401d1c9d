import { Schema, type Types } from 'mongoose';

export const BULK_STATUSES = [
  'pending_approval',
  'approved',
  'rejected',
  'expired',
  'running',
  'completed',
  'cancelled',
  'failed',
] as const;

export interface BulkRequestDoc {
  _id: Types.ObjectId;
  status: (typeof BULK_STATUSES)[number];
  selection: {
    groups: string[];
    licenseTypes: string[];
    withoutLicense: boolean;
    status?: 'active' | 'deactivated';
    text?: string;
    emails: string[];
    excludeIds: string[];
    excludeEmails: string[];
  };
  change: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt?: Date;
  preview: { matched: number; alreadyOnTarget: number; blocked: number; toChange: number; seatsNeeded: number };
  decidedBy?: string;
  decidedAt?: Date;
  decisionReason?: string;
  cancelRequestedBy?: string;
  cancelRequestedAt?: Date;
  approvalMessage?: { channel: string; ts: string };
  progressMessage?: { channel: string; ts: string };
  progress: { lastBatch: number; lastLearnerId: string | null; total: number; done: number; skipped: number; failed: number };
  startedAt?: Date;
  finishedAt?: Date;
  failureCode?: string;
  notice?: { claimedAt?: Date; claimToken?: string; postedAt?: Date; ts?: string; channel?: string };
  syncCaughtUpAt?: Date;
  syncRefused?: number;
  submissionKey?: string;
}

const messageRef = new Schema({ channel: { type: String, required: true }, ts: { type: String, required: true } }, { _id: false });

export const bulkRequestSchema = new Schema<BulkRequestDoc>(
  {
    status: { type: String, required: true, enum: BULK_STATUSES },
    selection: {
      type: new Schema(
        {
          groups: { type: [String], default: [] },
          licenseTypes: { type: [String], default: [] },
          withoutLicense: { type: Boolean, default: false },
          status: { type: String, enum: ['active', 'deactivated'] },
          text: String,
          emails: { type: [String], default: [] },
          excludeIds: { type: [String], default: [] },
          excludeEmails: { type: [String], default: [] },
        },
        { _id: false },
      ),
      required: true,
    },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    requestedBy: { type: String, required: true },
    channelId: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    expiresAt: Date,
    preview: {
      type: new Schema(
        { matched: Number, alreadyOnTarget: Number, blocked: Number, toChange: Number, seatsNeeded: Number },
        { _id: false },
      ),
      required: true,
    },
    decidedBy: String,
    decidedAt: Date,
    decisionReason: String,
    cancelRequestedBy: String,
    cancelRequestedAt: Date,
    approvalMessage: { type: messageRef, default: undefined },
    progressMessage: { type: messageRef, default: undefined },
    progress: {
      type: new Schema(
        {
          lastBatch: { type: Number, default: 0 },
          lastLearnerId: { type: String, default: null },
          total: { type: Number, default: 0 },
          done: { type: Number, default: 0 },
          skipped: { type: Number, default: 0 },
          failed: { type: Number, default: 0 },
        },
        { _id: false },
      ),
      required: true,
    },
    startedAt: Date,
    finishedAt: Date,
    failureCode: String,
    notice: {
      type: new Schema({ claimedAt: Date, claimToken: String, postedAt: Date, ts: String, channel: String }, { _id: false }),
      default: undefined,
    },
    syncCaughtUpAt: Date,
    syncRefused: Number,
    submissionKey: String,
  },
  { collection: 'bulk_requests', versionKey: false },
);
bulkRequestSchema.index({ status: 1, expiresAt: 1 }); // expiry sweep, `/license requests`
bulkRequestSchema.index({ createdAt: -1 }); // `/license jobs`
bulkRequestSchema.index({ status: 1, updatedAt: 1 }); // stalled-job sweep
bulkRequestSchema.index({ status: 1, finishedAt: 1 }); // unposted completion notices
bulkRequestSchema.index({ submissionKey: 1 }, { unique: true, partialFilterExpression: { submissionKey: { $type: 'string' } } }); // a replayed submission
