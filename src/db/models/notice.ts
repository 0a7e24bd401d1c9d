import { Schema } from 'mongoose';

export interface NoticeDoc {
  /** The notice's idempotency key: one document, so one DM, per key. */
  _id: string;
  source: string;
  to: { slackUserId?: string; email?: string };
  notice: Record<string, unknown>;
  state: 'queued' | 'sent' | 'no_account' | 'failed' | 'withdrawn';
  /** Withdrawn instead of sent from this moment on. */
  expiresAt?: Date;
  attempts: number;
  enqueuedAt: Date;
  nextAttemptAt: Date;
  leaseToken?: string | null;
  leaseUntil?: Date | null;
  /** A send began at this time and its outcome was not recorded yet. */
  sendingSince?: Date | null;
  settledAt?: Date;
  slackUserId?: string;
  channel?: string;
  ts?: string;
  lastError?: string;
}

export const noticeSchema = new Schema<NoticeDoc>(
  {
    _id: { type: String, required: true },
    source: { type: String, required: true },
    to: { type: new Schema({ slackUserId: String, email: String }, { _id: false }), required: true },
    notice: { type: Schema.Types.Mixed, required: true },
    state: { type: String, required: true, enum: ['queued', 'sent', 'no_account', 'failed', 'withdrawn'] },
    expiresAt: Date,
    attempts: { type: Number, default: 0 },
    enqueuedAt: { type: Date, required: true },
    nextAttemptAt: { type: Date, required: true },
    leaseToken: String,
    leaseUntil: Date,
    sendingSince: Date,
    settledAt: Date,
    slackUserId: String,
    channel: String,
    ts: String,
    lastError: String,
  },
  { collection: 'notices', versionKey: false },
);
noticeSchema.index({ state: 1, nextAttemptAt: 1 }); // the drainer's due notices, oldest first
noticeSchema.index({ leaseToken: 1 }, { sparse: true }); // the notices of one lease
noticeSchema.index({ source: 1, state: 1 }); // counts per source (a bulk job's "learners told")
