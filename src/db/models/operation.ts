import { Schema } from 'mongoose';

export interface OperationDoc {
  _id: string;
  state: 'planned' | 'reserved' | 'applied' | 'settled';
  change: Record<string, unknown>;
  actor: string;
  source: string;
  reason: string;
  channelId?: string;
  /** Items column-wise, one group per run of items with the same change (see OpItemGroupDoc). */
  itemGroups?: OpItemGroupDoc[];
  /** Items one sub-document each, as operations written before item groups have them. */
  items?: { learnerId: string; email: string; version: number; prev: string[]; next: string[] }[];
  failed: { learnerId: string; email: string; code: string }[];
  touchedTypes: string[];
  appliedIds?: string[];
  /** Every item was applied (then `appliedIds` is not stored). */
  appliedAll?: boolean;
  createdAt: Date;
  sync?: boolean;
  action?: string;
  grant?: { endsAt: Date; since: Date; timeZone?: string };
  notify?: boolean;
  leaseOwner?: string;
  leaseUntil?: Date;
}

/**
 * Consecutive items that make the same change (`prev` → `next`), stored as parallel arrays: a
 * bulk batch of 1,000 learners is one group of three arrays of plain values rather than 1,000
 * sub-documents, which the database would otherwise decode, copy and encode on every state change.
 */
export interface OpItemGroupDoc {
  prev: string[];
  next: string[];
  learnerIds: string[];
  emails: string[];
  versions: number[];
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
    itemGroups: {
      type: [{ _id: false, prev: [String], next: [String], learnerIds: [String], emails: [String], versions: [Number] }],
      default: undefined,
    },
    items: {
      type: [{ _id: false, learnerId: String, email: String, version: Number, prev: [String], next: [String] }],
      default: undefined,
    },
    failed: { type: [{ _id: false, learnerId: String, email: String, code: String }], default: [] },
    touchedTypes: { type: [String], default: [] },
    appliedIds: { type: [String], default: undefined },
    appliedAll: Boolean,
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
