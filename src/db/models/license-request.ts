import { Schema, type Types } from 'mongoose';

export interface LicenseRequestDoc {
  _id: Types.ObjectId;
  status: 'pending' | 'approving' | 'approved' | 'denied' | 'failed';
  /** True while pending or approving: one open request per learner and type. */
  open?: boolean;
  learnerId: string;
  learnerEmail: string;
  requestedBy: string;
  licenseType: string;
  reason: string;
  createdAt: Date;
  attempt: number;
  claimedBy?: string;
  claimedUntil?: Date;
  decidedBy?: string;
  decidedAt?: Date;
  decisionReason?: string;
  outcomeCode?: string;
  message?: { channel: string; ts: string };
}

export const licenseRequestSchema = new Schema<LicenseRequestDoc>(
  {
    status: { type: String, required: true, enum: ['pending', 'approving', 'approved', 'denied', 'failed'] },
    open: Boolean,
    learnerId: { type: String, required: true },
    learnerEmail: { type: String, required: true },
    requestedBy: { type: String, required: true },
    licenseType: { type: String, required: true },
    reason: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    attempt: { type: Number, default: 1 },
    claimedBy: String,
    claimedUntil: Date,
    decidedBy: String,
    decidedAt: Date,
    decisionReason: String,
    outcomeCode: String,
    message: { type: new Schema({ channel: String, ts: String }, { _id: false }), default: undefined },
  },
  { collection: 'license_requests', versionKey: false },
);
// One open request per learner and type, whatever the double clicks; also the learner's own list.
licenseRequestSchema.index({ learnerId: 1, licenseType: 1 }, { unique: true, partialFilterExpression: { open: true } });
licenseRequestSchema.index({ status: 1, createdAt: 1 }); // the admins' queue of pending requests
