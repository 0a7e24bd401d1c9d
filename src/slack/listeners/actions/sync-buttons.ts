import { requireAdmin } from '../../../licensing/admins.js';
import { acceptTheirsForDrift, pushOursForDrift } from '../../../licensing/sync/directory.js';
import { retryDeadLetters } from '../../../licensing/sync/status.js';
import type { SlackDeps } from '../../deps.js';
import { respondWithError } from '../../support/respond.js';
import { buildNotice } from '../../views/blocks.js';
import { actorOf, type ButtonArgs } from './button-args.js';

const n = (value: number) => value.toLocaleString('en-US');

/**
 * The levers of `/license sync`: one factory per button, each acking first, re-checking that the
 * clicker is an admin (the services do), and answering with what happened.
 */
function syncButton(deps: SlackDeps, name: string, run: (actor: ReturnType<typeof actorOf>) => Promise<string>) {
  return async ({ ack, body, respond }: ButtonArgs) => {
    await ack();
    const actor = actorOf(body);
    try {
      const sentence = await run(actor);
      await respond({ response_type: 'ephemeral', replace_original: false, ...buildNotice(sentence) });
    } catch (error) {
      await respondWithError(respond, error, deps.logger, { action: name, user: actor.userId });
    }
  };
}

/** Sync now: runs a push round (or delivers a file) at once. */
export function handleSyncPushNow(deps: SlackDeps) {
  return syncButton(deps, 'sync_push_now', async (actor) => {
    await requireAdmin(deps.services, actor, 'sync.push');
    await deps.sync.runNow();
    return 'Sync started: the waiting changes go out now. `/license sync` shows how far it got.';
  });
}

/** Retry refused: every dead letter goes to the platform again. */
export function handleSyncRetryDead(deps: SlackDeps) {
  return syncButton(deps, 'sync_retry_dead', async (actor) => {
    const retried = await retryDeadLetters(deps.services, actor);
    if (retried) await deps.sync.runNow();
    return retried
      ? `${n(retried)} refused change${retried === 1 ? ' goes' : 's go'} to the platform again.`
      : 'No refused changes to retry.';
  });
}

/** Push ours: the platform is overwritten with our licenses for every drifted learner. */
export function handleSyncPushOurs(deps: SlackDeps) {
  return syncButton(deps, 'sync_push_ours', async (actor) => {
    const count = await pushOursForDrift(deps.services, actor);
    if (count) await deps.sync.runNow();
    return count
      ? `Our licenses go to the platform for ${n(count)} learners.`
      : 'No drift left to push; run `/license sync verify` to check again.';
  });
}

/** Accept theirs: our records take the platform's licenses (seats checked, history kept). */
export function handleSyncAcceptTheirs(deps: SlackDeps) {
  return syncButton(deps, 'sync_accept_theirs', async (actor) => {
    const { changed, failed } = await acceptTheirsForDrift(deps.services, actor);
    const refused = failed.length ? ` ${n(failed.length)} could not change (for example no seats left); they stay as they were.` : '';
    return `Took the platform’s licenses for ${n(changed)} learner${changed === 1 ? '' : 's'}.${refused}`;
  });
}
