import { Schema } from 'mongoose';

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

export const auditSchema = new Schema<AuditDoc>(
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
