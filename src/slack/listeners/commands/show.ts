import { requireAdmin } from '../../../licensing/admins.js';
import { activeGrantsOf } from '../../../licensing/schedule/grants.js';
import { learnerCard, resolveLearner, searchLearners } from '../../../licensing/single/directory.js';
import { learnerSyncState } from '../../../licensing/sync/status.js';
import { buildNotice, escapeMrkdwn } from '../../views/blocks.js';
import { buildLearnerCard } from '../../views/learner-card.js';
import type { CommandContext } from './context.js';

/** `/license show <learner>`: the learner card, or the candidates when the text matches several. */
export async function handleShowCommand(ctx: CommandContext, parsed: { query: string }): Promise<void> {
  const { services } = ctx.deps;
  await requireAdmin(services, ctx.actor, 'show');
  if (!parsed.query) {
    await ctx.reply(buildNotice('Tell me whom to show, for example `/license show ada@example.com`.'));
    return;
  }
  const { learner } = await resolveLearner(services, parsed.query);
  if (learner) {
    const [card, sync, grants] = await Promise.all([
      learnerCard(services, learner.id),
      learnerSyncState(services, learner.id),
      activeGrantsOf(services, learner.id),
    ]);
    await ctx.reply(buildLearnerCard(card, true, sync, grants));
    return;
  }
  const matches = await searchLearners(services, parsed.query, 10);
  if (matches.length === 0) {
    await ctx.reply(buildNotice(`No learner matches “${escapeMrkdwn(parsed.query)}”.`));
    return;
  }
  const list = matches.map((l) => `• ${escapeMrkdwn(l.name)} · ${escapeMrkdwn(l.email)}`).join('\n');
  await ctx.reply(buildNotice(`Several learners match “${escapeMrkdwn(parsed.query)}”; use an email to pick one:\n${list}`));
}
