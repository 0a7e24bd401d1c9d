import type { webApi } from '@slack/bolt';
import { IDENTITY_TTL_MS, type IdentityStore, type PeopleDirectory, type SlackIdentity } from '../../licensing/people/ports.js';

const fresh = (checkedAt: Date, now: Date) => now.getTime() - checkedAt.getTime() < IDENTITY_TTL_MS;

/** The Slack user with an email, asked of Slack (users.lookupByEmail) only when no fresh answer is remembered. */
export async function slackUserOfEmail(
  client: webApi.WebClient,
  identities: IdentityStore,
  email: string,
  now: Date,
  beforeCall: () => Promise<void> = async () => undefined,
  remembered?: SlackIdentity | null,
): Promise<{ kind: 'found'; userId: string } | { kind: 'none'; reason: string }> {
  const known = remembered === undefined ? await identities.identityByEmail(email) : remembered;
  if (known && fresh(known.checkedAt, now)) {
    return known.slackUserId ? { kind: 'found', userId: known.slackUserId } : { kind: 'none', reason: 'no Slack user has this email' };
  }
  await beforeCall();
  try {
    const res = await client.users.lookupByEmail({ email });
    const user = res.user;
    if (user?.id && !user.deleted && !user.is_bot) {
      await identities.rememberIdentity({ email, slackUserId: user.id, checkedAt: now });
      return { kind: 'found', userId: user.id };
    }
  } catch (error) {
    if (platformErrorOf(error) !== 'users_not_found') throw error;
  }
  await identities.rememberIdentity({ email, slackUserId: null, checkedAt: now });
  return { kind: 'none', reason: 'no Slack user has this email' };
}

/** Forgets that an email belongs to a Slack user (the account was deactivated, the DM refused). */
export async function forgetSlackUser(identities: IdentityStore, email: string, now: Date): Promise<void> {
  await identities.rememberIdentity({ email, slackUserId: null, checkedAt: now });
}

/** The error code of a Slack platform error (`{ ok: false, error }`), if it is one. */
export function platformErrorOf(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Emails of Slack users (users.info), remembered so a person is asked about once a day. */
export function createSlackPeople(client: webApi.WebClient, identities: IdentityStore, now: () => Date): PeopleDirectory {
  return {
    async emailOf(slackUserId) {
      const at = now();
      const known = await identities.identityByUserId(slackUserId);
      if (known && fresh(known.checkedAt, at)) return known.email;
      try {
        const res = await client.users.info({ user: slackUserId });
        const user = res.user;
        const email = user?.profile?.email?.toLowerCase();
        if (!email || user?.deleted || user?.is_bot) return null;
        await identities.rememberIdentity({ email, slackUserId, checkedAt: at });
        return email;
      } catch (error) {
        // Slack unreachable: an older answer is better than none.
        if (known) return known.email;
        throw error;
      }
    },
  };
}
