import { Schema } from 'mongoose';

export interface HomeViewerDoc {
  /** The Slack user id. */
  _id: string;
  /** An admin or a lead when they last opened it: their Home shows seats, approvals and jobs. */
  staff: boolean;
  openedAt: Date;
  publishedAt?: Date;
}

export const homeViewerSchema = new Schema<HomeViewerDoc>(
  {
    _id: { type: String, required: true },
    staff: { type: Boolean, default: false },
    openedAt: { type: Date, required: true },
    publishedAt: Date,
  },
  { collection: 'home_viewers', versionKey: false },
);
homeViewerSchema.index({ staff: 1 }); // the staff Homes a bulk job or a decision refreshes
