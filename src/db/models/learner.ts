import { Schema, type Types } from 'mongoose';
import { isEmailAddress } from '../../licensing/model.js';

export interface LearnerDoc {
  _id: Types.ObjectId;
  email: string;
  name: string;
  searchKeys: string[];
  /** The folded name (licensing/search.ts): the typeahead's sort order. */
  searchName?: string;
  /** Which version of the search keys the learner has; others are rebuilt at start. */
  searchVersion?: number;
  groups: string[];
  status: 'active' | 'deactivated';
  licenseTypes: string[];
  slackUserId?: string;
  version: number;
  recentOps: string[];
  /** From the latest usage import (see licensing/usage); absent until one mentions the learner. */
  usage?: { lastActiveAt?: Date; hoursViewed: number; daysLoggedIn?: number; periodEnd: Date; importId: string; importedAt: Date };
  /** Kept their seat when asked (reclaim): not a reclaim candidate before this. */
  reclaimExemptUntil?: Date;
  /** The latest reclaim round that asked them, and how it stands. */
  reclaimAsk?: ReclaimAskDoc;
  /** The last few imports that changed this learner's profile or status (how an import knows what it did). */
  profileMarks?: string[];
}

export interface ReclaimAskDoc {
  round: string;
  state: 'asked' | 'kept' | 'released';
  /**
   * The DM: waiting to be queued, on the notice queue, sent (to `slackUserId`), the learner has no
   * Slack account, or Slack refused it for good (the last three counted on the round, not retried).
   */
  dm: 'pending' | 'queued' | 'sent' | 'no_slack' | 'failed';
  slackUserId?: string;
  askedAt: Date;
  answeredAt?: Date;
}

export const learnerSchema = new Schema<LearnerDoc>(
  {
    email: {
      type: String,
      required: true,
      lowercase: true,
      trim: true,
      validate: { validator: isEmailAddress, message: 'not an email address' },
    },
    name: { type: String, required: true, trim: true, maxlength: 200 },
    searchKeys: { type: [String], default: [] },
    searchName: { type: String },
    searchVersion: { type: Number },
    groups: { type: [String], default: [] },
    status: { type: String, enum: ['active', 'deactivated'], default: 'active' },
    licenseTypes: { type: [String], default: [] },
    slackUserId: { type: String },
    version: { type: Number, default: 0 },
    recentOps: { type: [String], default: [] },
    usage: {
      type: new Schema(
        {
          lastActiveAt: Date,
          hoursViewed: { type: Number, default: 0 },
          daysLoggedIn: Number,
          periodEnd: Date,
          importId: String,
          importedAt: Date,
        },
        { _id: false },
      ),
      default: undefined,
    },
    reclaimExemptUntil: Date,
    reclaimAsk: {
      type: new Schema(
        {
          round: { type: String, required: true },
          state: { type: String, enum: ['asked', 'kept', 'released'], required: true },
          dm: { type: String, enum: ['pending', 'queued', 'sent', 'no_slack', 'failed'], required: true },
          slackUserId: String,
          askedAt: Date,
          answeredAt: Date,
        },
        { _id: false },
      ),
      default: undefined,
    },
    profileMarks: { type: [String], default: undefined },
  },
  { collection: 'learners', versionKey: false },
);
learnerSchema.index({ email: 1 }, { unique: true }); // lookup by email, import upsert
learnerSchema.index({ searchKeys: 1 }); // typeahead: anchored prefix regex is an index range scan; whole words by equality
learnerSchema.index({ searchName: 1, _id: 1 }); // typeahead: its explicit order
learnerSchema.index({ searchVersion: 1 }); // rebuilding search keys of another version at start
learnerSchema.index({ licenseTypes: 1 }); // seat checks, bulk filters by current type
learnerSchema.index({ groups: 1 }); // bulk filters by group
// No index on recentOps: the one query on it (which learners an operation changed) looks the
// learners up by _id, and a multikey index over the last 20 op ids would be rewritten on every
// license change for nothing.
learnerSchema.index({ slackUserId: 1 }, { sparse: true });
// Reclaim candidates are holders of one type (the licenseTypes index above), filtered by last
// activity: a compound index with usage.lastActiveAt would be rewritten on every license change
// of every learner, which bulk jobs cannot afford for a query an admin runs now and then.
// A reclaim round's learners: who stayed silent (round, state), and, in id order, whose question is
// to be queued next or has an outcome to record (round, dm, _id). Only learners ever asked are in it.
learnerSchema.index(
  { 'reclaimAsk.round': 1, 'reclaimAsk.dm': 1, _id: 1 },
  { partialFilterExpression: { 'reclaimAsk.round': { $exists: true } } },
);
