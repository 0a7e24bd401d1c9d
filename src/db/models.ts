import { Schema, type Connection } from 'mongoose';

/** Mongoose schemas; every index backs a query the product makes (named beside it). */

export interface LicenseTypeDoc {
  key: string;
  name: string;
  capacity: number | null;
  seatsInUse: number;
  pending: { op: string; n: number; at: Date }[];
}

const licenseTypeSchema = new Schema<LicenseTypeDoc>(
  {
    key: { type: String, required: true, match: /^[a-z0-9][a-z0-9_-]{0,63}$/ },
    name: { type: String, required: true, trim: true, maxlength: 75 },
    capacity: { type: Number, default: null, min: 0, validate: { validator: (v: number | null) => v === null || Number.isInteger(v), message: 'capacity must be a whole number' } },
    seatsInUse: { type: Number, required: true, default: 0, min: 0 },
    pending: { type: [{ _id: false, op: String, n: Number, at: Date }], default: [] },
  },
  { collection: 'license_types', versionKey: false },
);
licenseTypeSchema.index({ key: 1 }, { unique: true }); // every seat update and lookup

export interface LearnerDoc {
  _id: import('mongoose').Types.ObjectId;
  email: string;
  name: string;
  searchKeys: string[];
  groups: string[];
  status: 'active' | 'deactivated';
  licenseTypes: string[];
  slackUserId?: string;
  version: number;
  recentOps: string[];
}

const learnerSchema = new Schema<LearnerDoc>(
  {
    email: { type: String, required: true, lowercase: true, trim: true, match: /^[^\s@]+@[^\s@]+\.[^\s@]+$/ },
    name: { type: String, required: true, trim: true, maxlength: 200 },
    searchKeys: { type: [String], default: [] },
    groups: { type: [String], default: [] },
    status: { type: String, enum: ['active', 'deactivated'], default: 'active' },
    licenseTypes: { type: [String], default: [] },
    slackUserId: { type: String },
    version: { type: Number, default: 0 },
    recentOps: { type: [String], default: [] },
  },
  { collection: 'learners', versionKey: false },
);
learnerSchema.index({ email: 1 }, { unique: true }); // lookup by email, import upsert
learnerSchema.index({ searchKeys: 1 }); // typeahead: anchored prefix regex is an index range scan
learnerSchema.index({ licenseTypes: 1 }); // seat checks, bulk filters by current type
learnerSchema.index({ groups: 1 }); // bulk filters by group
// No index on recentOps: the one query on it (which learners an operation changed) looks the
// learners up by _id, and a multikey index over the last 20 op ids would be rewritten on every
// license change for nothing.
learnerSchema.index({ slackUserId: 1 }, { sparse: true });

export interface AssignmentDoc {
  /** `<opId>:<learnerId>:<licenseType>`: the op that opened the row makes it exactly once. */
  _id: string;
  learnerId: string;
  email: string;
  licenseType: string;
  assignedAt: Date;
  revokedAt: Date | null;
  actor: string;
  source: string;
  reason: string;
  opId: string;
  revokedBy?: string;
}

const assignmentSchema = new Schema<AssignmentDoc>(
  {
    _id: { type: String, required: true },
    learnerId: { type: String, required: true },
    email: { type: String, required: true },
    licenseType: { type: String, required: true },
    assignedAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    actor: { type: String, required: true },
    source: { type: String, required: true },
    reason: { type: String, default: '' },
    opId: { type: String, required: true },
    revokedBy: { type: String },
  },
  { collection: 'assignments', versionKey: false },
);
// One row per op, learner and type is guaranteed by the natural-key _id, which needs no extra index.
// A learner has a handful of rows, so one index on learnerId serves both the card (sorted in
// memory) and closing open rows.
assignmentSchema.index({ learnerId: 1 });
assignmentSchema.index({ licenseType: 1, revokedAt: 1 }); // active assignments per type (seat checks)
assignmentSchema.index({ assignedAt: 1 }); // history export in time order

export interface AuditDoc {
  key?: string;
  at: Date;
  actor: string;
  action: string;
  outcome: string;
  code?: string;
  learnerId?: string;
  learnerEmail?: string;
  from?: string[];
  to?: string[];
  channelId?: string;
  source: string;
  details?: Record<string, unknown>;
}

const auditSchema = new Schema<AuditDoc>(
  {
    key: { type: String },
    at: { type: Date, required: true },
    actor: { type: String, required: true },
    action: { type: String, required: true },
    outcome: { type: String, required: true, enum: ['applied', 'refused', 'failed'] },
    code: String,
    learnerId: String,
    learnerEmail: String,
    from: { type: [String], default: undefined },
    to: { type: [String], default: undefined },
    channelId: String,
    source: { type: String, required: true },
    details: { type: Schema.Types.Mixed },
  },
  { collection: 'audit_events', versionKey: false },
);
auditSchema.index({ key: 1 }, { unique: true, sparse: true }); // idempotent writes from retried steps
auditSchema.index({ at: 1 }); // export in time order
auditSchema.index({ learnerId: 1, at: -1 });

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
  leaseOwner?: string;
  leaseUntil?: Date;
}

const operationSchema = new Schema<OperationDoc>(
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
    leaseOwner: String,
    leaseUntil: Date,
  },
  { collection: 'license_operations', versionKey: false },
);
operationSchema.index({ state: 1, leaseUntil: 1 }); // stale-operation sweep

export interface AdminDoc {
  userId: string;
  addedBy: string;
  addedAt: Date;
}

const adminSchema = new Schema<AdminDoc>(
  {
    userId: { type: String, required: true },
    addedBy: { type: String, required: true },
    addedAt: { type: Date, required: true },
  },
  { collection: 'admins', versionKey: false },
);
adminSchema.index({ userId: 1 }, { unique: true });

export interface ChangeRequestDoc {
  _id: import('mongoose').Types.ObjectId;
  status: 'pending' | 'confirmed' | 'applied' | 'failed' | 'cancelled';
  learnerId: string;
  change: Record<string, unknown>;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  leaseUntil?: Date;
  outcomeCode?: string;
}

const changeRequestSchema = new Schema<ChangeRequestDoc>(
  {
    status: { type: String, required: true, enum: ['pending', 'confirmed', 'applied', 'failed', 'cancelled'] },
    learnerId: { type: String, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    reason: { type: String, default: '' },
    requestedBy: { type: String, required: true },
    channelId: String,
    createdAt: { type: Date, required: true },
    decidedBy: String,
    decidedAt: Date,
    leaseUntil: Date,
    outcomeCode: String,
  },
  { collection: 'change_requests', versionKey: false },
);
// Looked up by _id only; unconfirmed review messages are dropped after 30 days.
changeRequestSchema.index({ createdAt: 1 }, { expireAfterSeconds: 30 * 24 * 3600, partialFilterExpression: { status: 'pending' } });

function buildModels(connection: Connection) {
  return {
    LicenseType: connection.model('LicenseType', licenseTypeSchema),
    Learner: connection.model('Learner', learnerSchema),
    Assignment: connection.model('Assignment', assignmentSchema),
    Audit: connection.model('Audit', auditSchema),
    Operation: connection.model('Operation', operationSchema),
    Admin: connection.model('Admin', adminSchema),
    ChangeRequest: connection.model('ChangeRequest', changeRequestSchema),
  };
}

/** The models bound to one connection. */
export type Models = ReturnType<typeof buildModels>;

const cache = new WeakMap<Connection, Models>();

/** Returns (and caches) the models registered on a connection. */
export function modelsFor(connection: Connection): Models {
  let models = cache.get(connection);
  if (!models) {
    models = buildModels(connection);
    cache.set(connection, models);
  }
  return models;
}

/** Creates every index (idempotent); run at start instead of Mongoose's lazy autoIndex. */
export async function ensureIndexes(connection: Connection): Promise<void> {
  const models = modelsFor(connection);
  for (const model of Object.values(models)) {
    await model.createCollection().catch(() => undefined);
    await model.createIndexes();
  }
}
