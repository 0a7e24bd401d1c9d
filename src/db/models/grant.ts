import { Schema, type Types } from 'mongoose';

export interface GrantDoc {
  /** `<grant op id>:<learner id>`. */
  _id: string;
  learnerId: string;
  email: string;
  added: string[];
  removed: string[];
  since: Date;
  endsAt: Date;
  grantedBy: string;
  grantOpId: string;
  requestId?: string;
  reason: string;
  timeZone?: string;
  status: 'active' | 'ended' | 'superseded';
  warnings: { label: '7d' | '1d'; at: Date }[];
  warned: ('7d' | '1d')[];
  nextWarnAt: Date | null;
  endOpId?: string;
  /** Leases of grants by the version before end claims (kept so its runs are respected while both run). */
  endToken?: string;
  endLeaseUntil?: Date;
  warnToken?: string;
  warnLeaseUntil?: Date;
  endedAt?: Date;
  endOutcome?: 'ended' | 'ended_without_return' | 'superseded';
  extendedBy?: string;
  extendedAt?: Date;
}

export const grantSchema = new Schema<GrantDoc>(
  {
    _id: { type: String, required: true },
    learnerId: { type: String, required: true },
    email: { type: String, required: true },
    added: { type: [String], default: [] },
    removed: { type: [String], default: [] },
    since: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    grantedBy: { type: String, required: true },
    grantOpId: { type: String, required: true },
    requestId: String,
    reason: { type: String, default: '' },
    timeZone: String,
    status: { type: String, required: true, enum: ['active', 'ended', 'superseded'] },
    warnings: { type: [{ _id: false, label: { type: String, enum: ['7d', '1d'] }, at: Date }], default: [] },
    warned: { type: [String], default: [] },
    nextWarnAt: { type: Date, default: null },
    endOpId: String,
    endToken: String,
    endLeaseUntil: Date,
    warnToken: String,
    warnLeaseUntil: Date,
    endedAt: Date,
    endOutcome: { type: String, enum: ['ended', 'ended_without_return', 'superseded'] },
    extendedBy: String,
    extendedAt: Date,
  },
  { collection: 'grants', versionKey: false },
);
grantSchema.index({ status: 1, endsAt: 1 }); // grants due to end, and those ending soon (App Home)
grantSchema.index({ status: 1, nextWarnAt: 1 }); // warnings due
grantSchema.index({ learnerId: 1, status: 1 }); // the learner card's ends
grantSchema.index({ requestId: 1, status: 1 }); // a bulk request's grants (extend all)
grantSchema.index({ endOpId: 1 }); // the grants an expiry operation ends

/**
 * A batch of grants an expiry run is ending (`_id` = the batch's operation id), written before
 * the grants are: its grants are `ended` in one write each, and their outcome is final once the
 * claim is gone. A claim whose lease ran out belongs to a run that died, and the next run finishes it.
 */
export interface GrantEndClaimDoc {
  _id: string;
  leaseUntil: Date;
  createdAt: Date;
}

export const grantEndClaimSchema = new Schema<GrantEndClaimDoc>(
  {
    _id: { type: String, required: true },
    leaseUntil: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'grant_end_claims', versionKey: false },
);
grantEndClaimSchema.index({ leaseUntil: 1 }); // claims of runs that died

export interface ExtensionDoc {
  _id: Types.ObjectId;
  target: { grantId?: string; requestId?: string };
  endsAt: Date;
  previousEndsAt: Date;
  learners: number;
  requestedBy: string;
  reason: string;
  timeZone?: string;
  status: 'pending_approval' | 'approved' | 'rejected' | 'expired';
  createdAt: Date;
  expiresAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  approvalMessage?: { channel: string; ts: string };
}

export const extensionSchema = new Schema<ExtensionDoc>(
  {
    target: { type: new Schema({ grantId: String, requestId: String }, { _id: false }), required: true },
    endsAt: { type: Date, required: true },
    previousEndsAt: { type: Date, required: true },
    learners: { type: Number, required: true },
    requestedBy: { type: String, required: true },
    reason: { type: String, default: '' },
    timeZone: String,
    status: { type: String, required: true, enum: ['pending_approval', 'approved', 'rejected', 'expired'] },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    decidedBy: String,
    decidedAt: Date,
    approvalMessage: { type: new Schema({ channel: String, ts: String }, { _id: false }), default: undefined },
  },
  { collection: 'grant_extensions', versionKey: false },
);
// Looked up by _id only; decided or moot requests are dropped after 90 days (the audit keeps them).
extensionSchema.index({ createdAt: 1 }, { expireAfterSeconds: 90 * 24 * 3600 });
