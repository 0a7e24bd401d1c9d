import { requireAdmin } from '../../../licensing/admins.js';
import { pullDirectory } from '../../../licensing/sync/directory.js';
import { retryDeadLetters, syncOverview } from '../../../licensing/sync/status.js';
import { buildNotice } from '../../views/blocks.js';
import { buildSyncMessage } from '../../views/sync-status.js';
import type { CommandContext } from './context.js';

const n = (value: number) => value.toLocaleString('en-US');

/** `/license sync [push|retry|verify]`: where the platform stands, and the admin's levers (admins only). */
export async function handleSyncCommand(ctx: CommandContext, action: 'status' | 'push' | 'retry' | 'verify'): Promise<void> {
  const { services } = ctx.deps;
  await requireAdmin(services, ctx.actor, `sync.${action}`);
  if (services.sync.target === 'none') {
    await ctx.reply(buildSyncMessage(await syncOverview(services), services.now()));
    return;
  }
  switch (action) {
    case 'status':
      await ctx.reply(buildSyncMessage(await syncOverview(services), services.now()));
      return;
    case 'push':
      await ctx.deps.sync.runNow();
      await ctx.reply(buildNotice('Sync started: the waiting changes go out now. `/license sync` shows how far it got.'));
      return;
    case 'retry': {
      const retried = await retryDeadLetters(services, ctx.actor);
      if (retried) await ctx.deps.sync.runNow();
      await ctx.reply(
        buildNotice(
          retried
            ? `${n(retried)} refused change${retried === 1 ? ' goes' : 's go'} to the platform again.`
            : 'No refused changes to retry.',
        ),
      );
      return;
    }
    case 'verify': {
      const directory = ctx.deps.sync.directory;
      if (!directory) {
        await ctx.reply(
          buildNotice('Verifying against the platform needs SCIM (`SYNC_TARGET=scim`): only SCIM lets me read what the platform holds.'),
        );
        return;
      }
      await ctx.reply(buildNotice('Reading the platform’s directory; I will answer here when it is done.'));
      const summary = await pullDirectory(services, directory, ctx.actor, { write: false });
      await ctx.reply(buildSyncMessage(await syncOverview(services), services.now()));
      if (summary.drift.unknownOnPlatform) {
        await ctx.reply(
          buildNotice(`${n(summary.drift.unknownOnPlatform)} platform users have no learner here; \`license-bot sync pull\` creates them.`),
        );
      }
      return;
    }
  }
}
