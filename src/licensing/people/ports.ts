/**
 * Who is who in Slack: a Slack user's email (App Home, self-service) and the Slack user of an
 * email (the notice queue). Slack answers (users.info, users.lookupByEmail); the answers are kept
 * in the database so each person is asked about once.
 */

/** An email and its Slack user, or the fact that Slack had none when asked (`slackUserId: null`). */
export interface SlackIdentity {
  email: string;
  slackUserId: string | null;
  checkedAt: Date;
}

/** The remembered answers; implemented by db/. */
export interface IdentityStore {
  identityByEmail(email: string): Promise<SlackIdentity | null>;
  /** The remembered identities of these emails (a batch of notices), in one query. */
  identitiesByEmails(emails: readonly string[]): Promise<SlackIdentity[]>;
  /** The latest identity remembered for the Slack user. */
  identityByUserId(slackUserId: string): Promise<SlackIdentity | null>;
  rememberIdentity(identity: SlackIdentity): Promise<void>;
}

/** How long an answer is trusted before Slack is asked again (people change emails; accounts appear). */
export const IDENTITY_TTL_MS = 24 * 3_600_000;

/** Slack's answer to "whose email is this?", behind a cache; the Slack layer implements it. */
export interface PeopleDirectory {
  /** The Slack user's email, or null when Slack does not say (a bot, no email scope, a deleted user). */
  emailOf(slackUserId: string): Promise<string | null>;
}
