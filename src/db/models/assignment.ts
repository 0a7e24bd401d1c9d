import { Schema } from 'mongoose';

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

export const assignmentSchema = new Schema<AssignmentDoc>(
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
