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
    idle?: { before: Date; at: Date; excludeGroups: string[]; round?: string; neverOnly?: boolean };
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
  reclaim?: { type: string; roundId?: string };
  undo?: { of: string };
  undoneBy?: string;
  applyAt?: Date;
  until?: Date;
  timeZone?: string;
  quorum?: number;
  approvals?: { by: string; at: Date }[];
  remindAt?: Date;
  remindedAt?: Date;
  escalatedAt?: Date;
  escalatedTo?: { users?: string[]; channelId?: string };
  escalationMessages?: { channel: string; ts: string }[];
  failureDetail?: string;
  notifyLearners?: boolean;
  learnersToldAt?: Date;
  learnersTold?: { sent: number; noAccount: number; failed: number };
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
          idle: {
            type: new Schema(
              { before: Date, at: Date, excludeGroups: { type: [String], default: [] }, round: String, neverOnly: Boolean },
              { _id: false },
            ),
            default: undefined,
          },
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
    reclaim: { type: new Schema({ type: { type: String, required: true }, roundId: String }, { _id: false }), default: undefined },
    undo: { type: new Schema({ of: { type: String, required: true } }, { _id: false }), default: undefined },
    undoneBy: String,
    applyAt: Date,
    until: Date,
    timeZone: String,
    quorum: Number,
    approvals: { type: [{ _id: false, by: String, at: Date }], default: undefined },
    remindAt: Date,
    remindedAt: Date,
    escalatedAt: Date,
    escalatedTo: {
      type: new Schema({ users: { type: [String], default: undefined }, channelId: String }, { _id: false }),
      default: undefined,
    },
    escalationMessages: { type: [messageRef], default: undefined },
    failureDetail: String,
    notifyLearners: Boolean,
    learnersToldAt: Date,
    learnersTold: { type: new Schema({ sent: Number, noAccount: Number, failed: Number }, { _id: false }), default: undefined },
    submissionKey: String,
  },
  { collection: 'bulk_requests', versionKey: false },
);
bulkRequestSchema.index({ status: 1, expiresAt: 1 }); // expiry sweep, `/license requests`
bulkRequestSchema.index({ createdAt: -1 }); // `/license jobs`
bulkRequestSchema.index({ status: 1, updatedAt: 1 }); // stalled-job sweep
bulkRequestSchema.index({ status: 1, finishedAt: 1 }); // unposted completion notices
bulkRequestSchema.index({ 'reclaim.type': 1, finishedAt: 1 }, { sparse: true }); // reclaimed seats (report, weekly summary)
bulkRequestSchema.index({ status: 1, remindAt: 1 }); // approval reminders due
bulkRequestSchema.index({ status: 1, applyAt: 1 }); // scheduled changes, soonest first (App Home)
bulkRequestSchema.index({ submissionKey: 1 }, { unique: true, partialFilterExpression: { submissionKey: { $type: 'string' } } }); // a replayed submission
