import { Schema } from 'mongoose';

/** The one sync control document (`_id: 'sync'`): pause, probes, last delivery, last drift report. */
export interface SyncControlDoc {
  _id: string;
  paused?: boolean;
  pausedAt?: Date;
  pauseReason?: string;
  resumedAt?: Date;
  lastProbeAt?: Date;
  lastDelivery?: { at: Date; name: string; rows: number };
  lastDeliveryError?: { at: Date; message: string };
  drift?: {
    at: Date;
    checked: number;
    drifted: number;
    unknownOnPlatform: number;
    first: { learnerId: string; email: string; ours: string[]; theirs: string[] }[];
  };
}

export const syncControlSchema = new Schema<SyncControlDoc>(
  {
    _id: { type: String, required: true },
    paused: Boolean,
    pausedAt: Date,
    pauseReason: String,
    resumedAt: Date,
    lastProbeAt: Date,
    lastDelivery: { type: Schema.Types.Mixed },
    lastDeliveryError: { type: Schema.Types.Mixed },
    drift: { type: Schema.Types.Mixed },
  },
  { collection: 'sync_control', versionKey: false },
);
// Read by _id only.

/** A learner whose platform licenses differ from ours (`_id` is the learner id). */
export interface SyncDriftDoc {
  _id: string;
  email: string;
  ours: string[];
  theirs: string[];
  at: Date;
}

export const syncDriftSchema = new Schema<SyncDriftDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    ours: { type: [String], default: [] },
    theirs: { type: [String], default: [] },
    at: { type: Date, required: true },
  },
  { collection: 'sync_drift', versionKey: false },
);
// Streamed by _id (push ours / accept theirs); replaced wholesale by each pull.
