import { Schema } from 'mongoose';

export interface UsageImportDoc {
  _id: string;
  fileName: string;
  format: string;
  importedAt: Date;
  importedBy: string;
  source: string;
  periodEnd: Date;
  rows: number;
  learners: number;
  matched: number;
  unknownEmails: number;
  status: 'running' | 'completed';
  completedAt?: Date;
}

export const usageImportSchema = new Schema<UsageImportDoc>(
  {
    _id: { type: String, required: true },
    fileName: { type: String, required: true },
    format: { type: String, required: true },
    importedAt: { type: Date, required: true },
    importedBy: { type: String, required: true },
    source: { type: String, required: true },
    periodEnd: { type: Date, required: true },
    rows: { type: Number, required: true },
    learners: { type: Number, required: true },
    matched: { type: Number, default: 0 },
    unknownEmails: { type: Number, default: 0 },
    status: { type: String, enum: ['running', 'completed'], required: true },
    completedAt: Date,
  },
  { collection: 'usage_imports', versionKey: false },
);
usageImportSchema.index({ importedAt: -1 }); // the import history, newest first
