import type { Connection } from 'mongoose';
import type { IdentityStore, SlackIdentity } from '../../licensing/people/ports.js';
import { modelsFor, type SlackIdentityDoc } from '../models/index.js';

function toIdentity(doc: SlackIdentityDoc): SlackIdentity {
  return { email: doc._id, slackUserId: doc.slackUserId ?? null, checkedAt: doc.checkedAt };
}

/** Remembered Slack identities (email ↔ Slack user), one document per email. */
export function createSlackIdentityRepository(connection: Connection): IdentityStore {
  const { SlackIdentity } = modelsFor(connection);
  return {
    async identityByEmail(email) {
      const doc = await SlackIdentity.findById(email.toLowerCase()).lean();
      return doc ? toIdentity(doc as SlackIdentityDoc) : null;
    },
    async identitiesByEmails(emails) {
      if (emails.length === 0) return [];
      const docs = await SlackIdentity.find({ _id: { $in: emails.map((e) => e.toLowerCase()) } }).lean();
      return docs.map((doc) => toIdentity(doc as SlackIdentityDoc));
    },
    async identityByUserId(slackUserId) {
      const doc = await SlackIdentity.findOne({ slackUserId }).sort({ checkedAt: -1, _id: 1 }).lean();
      return doc ? toIdentity(doc as SlackIdentityDoc) : null;
    },
    async rememberIdentity(identity) {
      const email = identity.email.toLowerCase();
      // A Slack user has one email: an older email remembered for them is no longer theirs.
      if (identity.slackUserId) {
        await SlackIdentity.updateMany(
          { slackUserId: identity.slackUserId, _id: { $ne: email } },
          { $set: { slackUserId: null, checkedAt: identity.checkedAt } },
        );
      }
      await SlackIdentity.updateOne(
        { _id: email },
        { $set: { slackUserId: identity.slackUserId, checkedAt: identity.checkedAt } },
        { upsert: true },
      );
    },
  };
}
