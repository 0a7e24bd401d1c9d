import { Schema } from 'mongoose';

/** One learner's sync outbox entry (`_id` is the learner id). */
export interface SyncStateDoc {
  _id: string;
  email: string;
  licenseTypes: string[];
  version: number;
  pushedVersion: number;
  state: 'pending' | 'synced' | 'dead';
  pendingSince?: Date;
  attempts: number;
  nextAttemptAt?: Date;
  lastError?: { message: string; at: Date; status?: number } | null;
  syncedAt?: Date;
  deadAt?: Date;
  remoteId?: string;
  opId?: string;
  bulkRequestId?: string | null;
  leaseToken?: string | null;
  leaseUntil?: Date | null;
  /** The version an entry had when a file delivery leased it. */
  leasedVersion?: number;
}

export const syncStateSchema = new Schema<SyncStateDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    licenseTypes: { type: [String], default: [] },
    version: { type: Number, required: true },
    pushedVersion: { type: Number, default: -1 },
    state: { type: String, required: true, enum: ['pending', 'synced', 'dead'] },
    pendingSince: Date,
    attempts: { type: Number, default: 0 },
    nextAttemptAt: Date,
    lastError: { type: new Schema({ message: String, at: Date, status: Number }, { _id: false }), default: undefined },
    syncedAt: Date,
    deadAt: Date,
    remoteId: String,
    opId: String,
    bulkRequestId: String,
    leaseToken: String,
    leaseUntil: Date,
    leasedVersion: Number,
  },
  { collection: 'sync_states', versionKey: false },
);
syncStateSchema.index({ state: 1, nextAttemptAt: 1 }); // the worker's due entries; counts by state
syncStateSchema.index({ state: 1, pendingSince: 1 }); // oldest pending change
syncStateSchema.index({ leaseToken: 1 }, { sparse: true }); // a worker reads back what it leased
syncStateSchema.index({ bulkRequestId: 1, state: 1 }, { sparse: true }); // "platform in sync" on a job's notice
syncStateSchema.index({ state: 1, deadAt: -1 }); // dead letters, newest first
