import { Schema } from 'mongoose';

export interface OperationDoc {
  _id: string;
  state: 'planned' | 'reserved' | 'applied' | 'settled';
  change: Record<string, unknown>;
  actor: string;
  source: string;
  reason: string;
  channelId?: string;
  items: { learnerId: string; email: string; version: number; prev: string[]; next: string[] }[];
  failed: { learnerId: string; email: string; code: string }[];
  touchedTypes: string[];
  appliedIds?: string[];
  createdAt: Date;
  sync?: boolean;
  action?: string;
  grant?: { endsAt: Date; since: Date; timeZone?: string };
  notify?: boolean;
  leaseOwner?: string;
  leaseUntil?: Date;
}

export const operationSchema = new Schema<OperationDoc>(
  {
    _id: { type: String, required: true },
    state: { type: String, required: true, enum: ['planned', 'reserved', 'applied', 'settled'] },
    change: { type: Schema.Types.Mixed, required: true },
    actor: { type: String, required: true },
    source: { type: String, required: true },
    reason: { type: String, default: '' },
    channelId: String,
    items: { type: [{ _id: false, learnerId: String, email: String, version: Number, prev: [String], next: [String] }], default: [] },
    failed: { type: [{ _id: false, learnerId: String, email: String, code: String }], default: [] },
    touchedTypes: { type: [String], default: [] },
    appliedIds: { type: [String], default: undefined },
    createdAt: { type: Date, required: true },
    sync: Boolean,
    action: String,
    grant: { type: new Schema({ endsAt: Date, since: Date, timeZone: String }, { _id: false }), default: undefined },
    notify: Boolean,
    leaseOwner: String,
    leaseUntil: Date,
  },
  { collection: 'license_operations', versionKey: false },
);
operationSchema.index({ state: 1, leaseUntil: 1 }); // stale-operation sweep
operationSchema.index({ createdAt: -1 }); // the last changes on the admins' App Home
