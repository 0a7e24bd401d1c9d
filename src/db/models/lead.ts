import { Schema } from 'mongoose';

export interface LeadDoc {
  userId: string;
  groups: string[];
  addedBy: string;
  addedAt: Date;
}

export const leadSchema = new Schema<LeadDoc>(
  {
    userId: { type: String, required: true },
    groups: { type: [String], default: [] },
    addedBy: { type: String, required: true },
    addedAt: { type: Date, required: true },
  },
  { collection: 'leads', versionKey: false },
);
leadSchema.index({ userId: 1 }, { unique: true }); // lookup on every decision
