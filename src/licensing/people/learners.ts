import type { LicensingDeps } from '../deps.js';
import type { Learner } from '../model.js';
import type { PeopleDirectory } from './ports.js';

/**
 * The learner a Slack user is: the one whose email is the user's email in Slack, as Slack says it
 * (never as a payload says it). Null when Slack gives no email or no learner has it.
 */
export async function learnerOfSlackUser(
  deps: Pick<LicensingDeps, 'store'>,
  people: PeopleDirectory,
  slackUserId: string,
): Promise<Learner | null> {
  const email = await people.emailOf(slackUserId);
  return email ? deps.store.findLearnerByEmail(email) : null;
}
