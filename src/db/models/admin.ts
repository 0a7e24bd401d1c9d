import { Schema } from 'mongoose';

export interface AdminDoc {
  userId: string;
  addedBy: string;
  addedAt: Date;
}

export const adminSchema = new Schema<AdminDoc>(
  {
    userId: { type: String, required: true },
    addedBy: { type: String, required: true },
    addedAt: { type: Date, required: true },
  },
  { collection: 'admins', versionKey: false },
);
adminSchema.index({ userId: 1 }, { unique: true });
