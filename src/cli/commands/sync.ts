import { loadSyncConfig } from '../../config.js';
import type { Actor } from '../../licensing/model.js';
import { acceptTheirsForDrift, type PullSummary, pullDirectory, pushOursForDrift } from '../../licensing/sync/directory.js';
import type { SyncDeps, SyncNotifier } from '../../licensing/sync/ports.js';
import { syncOverview } from '../../licensing/sync/status.js';
import { deliverSyncFile, pushDueLearners } from '../../licensing/sync/worker.js';
import { createSyncAdapters, syncSettingsOf } from '../../outbound/index.js';
import { type CliContext, CliError, type CliIo, formatCount as n, say, withDatabase } from '../context.js';

const CLI_ACTOR: Actor = { userId: 'cli:sync', source: 'cli' };

/**
 * `sync status|push|pull|verify`: where the platform stands, push everything due now, read the
 * directory in (SCIM), or only compare (and then, with a flag, push ours or accept theirs).
 */
export async function runSync(
  io: CliIo,
  action: string | undefined,
  flags: { pushOurs?: boolean; acceptTheirs?: boolean },
): Promise<number> {
  const sync = loadSyncConfig(io.env);
  if (!['status', 'push', 'pull', 'verify'].includes(action ?? ''))
    throw new CliError('Usage: license-bot sync status|push|pull|verify [--push-ours|--accept-theirs]');
  if (flags.pushOurs && flags.acceptTheirs) throw new CliError('Choose one of --push-ours and --accept-theirs.');
  if ((flags.pushOurs || flags.acceptTheirs) && action !== 'verify')
    throw new CliError('--push-ours and --accept-theirs go with `sync verify`.');
  if (sync.target === 'none') throw new CliError('Sync is off: set SYNC_TARGET to scim, orgsync or webhook (see the README).');
  const adapters = createSyncAdapters(sync);
  return withDatabase(io, async (ctx) => {
    const deps = syncDepsOf(ctx, syncSettingsOf(sync, adapters));
    const notifier: SyncNotifier = {
      paused: async (reason, target) => say(io.stderr, `Sync to ${target} is paused: the platform refused our credentials (${reason}).`),
      resumed: async (target) => say(io.stderr, `Sync to ${target} resumed.`),
    };
    switch (action) {
      case 'status': {
        const o = await syncOverview(deps);
        say(io.stdout, `Sync to ${o.description}${o.paused ? ` — PAUSED: ${o.pauseReason ?? 'credentials refused'}` : ''}`);
        say(io.stdout, `${n(o.counts.synced)} in sync, ${n(o.counts.pending)} pending, ${n(o.counts.dead)} refused.`);
        for (const dead of o.dead) say(io.stdout, `  refused: ${dead.email}: ${dead.lastError?.message ?? ''}`);
        if (o.drift)
          say(io.stdout, `Drift when last checked (${o.drift.at.toISOString()}): ${n(o.drift.drifted)} of ${n(o.drift.checked)}.`);
        return 0;
      }
      case 'push': {
        if (adapters.file) {
          const delivered = await deliverSyncFile(deps, adapters.file);
          say(
            io.stdout,
            delivered
              ? `Delivered ${delivered.name}: ${n(delivered.rows)} rows (${n(delivered.delivered)} changes).`
              : 'Nothing changed since the last file.',
          );
          return 0;
        }
        if (!adapters.push) throw new CliError('This sync target has nothing to push.');
        let pushed = 0;
        let retried = 0;
        let dead = 0;
        for (;;) {
          const round = await pushDueLearners(deps, adapters.push, notifier, { budgetMs: 60_000 });
          pushed += round.pushed;
          dead += round.dead;
          retried += round.retried;
          if (round.paused || round.backedOff || round.pushed + round.dead + round.retried === 0) break;
        }
        say(io.stdout, `Pushed ${n(pushed)} learners; ${n(dead)} refused by the platform; ${n(retried)} to retry later.`);
        const left = await deps.syncStates.counts();
        if (left.pending)
          say(
            io.stderr,
            `${n(left.pending)} changes still wait (the platform asked us to slow down or is unreachable); the bot keeps trying.`,
          );
        return dead || left.pending ? 1 : 0;
      }
      case 'pull':
      case 'verify': {
        if (!adapters.directory) throw new CliError('Reading the platform’s directory needs SYNC_TARGET=scim.');
        const summary = await pullDirectory(deps, adapters.directory, CLI_ACTOR, { write: action === 'pull' });
        report(io, summary, action === 'pull');
        if (flags.pushOurs)
          say(
            io.stdout,
            `Pushing our licenses for ${n(await pushOursForDrift(deps, CLI_ACTOR))} learners; run \`license-bot sync push\` or let the bot do it.`,
          );
        if (flags.acceptTheirs) {
          const { changed, failed } = await acceptTheirsForDrift(deps, CLI_ACTOR);
          say(io.stdout, `Took the platform’s licenses for ${n(changed)} learners.`);
          for (const f of failed) say(io.stderr, `  ${f.email}: not changed (${f.code})`);
          return failed.length ? 1 : 0;
        }
        return 0;
      }
    }
    return 1;
  });
}

function syncDepsOf(ctx: CliContext, sync: SyncDeps['sync']): SyncDeps {
  const r = ctx.repositories;
  return {
    store: r.store,
    admins: r.admins,
    changeRequests: r.changeRequests,
    syncStates: r.syncStates,
    syncControl: r.syncControl,
    imports: r.imports,
    exports: r.exports,
    configAdmins: [],
    processId: ctx.owner,
    now: ctx.now,
    sync,
  };
}

function report(io: CliIo, s: PullSummary, wrote: boolean): void {
  if (wrote)
    say(
      io.stdout,
      `Read ${n(s.users)} platform users: ${n(s.created)} learners created, ${n(s.updated)} updated, ${n(s.unchanged)} unchanged.`,
    );
  else say(io.stdout, `Compared ${n(s.users)} platform users with our learners.`);
  if (s.skipped) say(io.stdout, `${n(s.skipped)} users had no usable email and were skipped.`);
  if (!wrote && s.drift.unknownOnPlatform)
    say(io.stdout, `${n(s.drift.unknownOnPlatform)} platform users have no learner here (\`sync pull\` creates them).`);
  say(io.stdout, `Drift: ${n(s.drift.drifted)} learners hold other licenses on the platform than here.`);
  for (const d of s.drift.first)
    say(io.stdout, `  ${d.email}: ours ${d.ours.join(';') || 'none'} · platform ${d.theirs.join(';') || 'none'}`);
  if (s.drift.drifted > s.drift.first.length) say(io.stdout, `  … and ${n(s.drift.drifted - s.drift.first.length)} more.`);
}
