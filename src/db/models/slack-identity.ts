import { Schema } from 'mongoose';

export interface SlackIdentityDoc {
  /** The email, lower-cased. */
  _id: string;
  /** The Slack user with this email; null when Slack has none (as of `checkedAt`). */
  slackUserId: string | null;
  checkedAt: Date;
}

export const slackIdentitySchema = new Schema<SlackIdentityDoc>(
  {
    _id: { type: String, required: true },
    slackUserId: { type: String, default: null },
    checkedAt: { type: Date, required: true },
  },
  { collection: 'slack_identities', versionKey: false },
);
slackIdentitySchema.index({ slackUserId: 1 }); // who a Slack user is (App Home, self-service)
