import { Schema } from 'mongoose';

export interface LicenseTypeDoc {
  key: string;
  name: string;
  capacity: number | null;
  seatsInUse: number;
  platformName?: string;
  pending: { op: string; n: number; at: Date }[];
}

export const licenseTypeSchema = new Schema<LicenseTypeDoc>(
  {
    key: { type: String, required: true, match: /^[a-z0-9][a-z0-9_-]{0,63}$/ },
    name: { type: String, required: true, trim: true, maxlength: 75 },
    capacity: {
      type: Number,
      default: null,
      min: 0,
      validate: { validator: (v: number | null) => v === null || Number.isInteger(v), message: 'capacity must be a whole number' },
    },
    seatsInUse: { type: Number, required: true, default: 0, min: 0 },
    platformName: { type: String, trim: true, maxlength: 200 },
    pending: { type: [{ _id: false, op: String, n: Number, at: Date }], default: [] },
  },
  { collection: 'license_types', versionKey: false },
);
licenseTypeSchema.index({ key: 1 }, { unique: true }); // every seat update and lookup
