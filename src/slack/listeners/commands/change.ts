import { requireAdmin } from '../../../licensing/admins.js';
import { resolveLearner } from '../../../licensing/single/directory.js';
import { openChangeModal } from '../../flows/open-change-modal.js';
import type { ChangeMode } from '../../ids.js';
import type { CommandContext } from './context.js';

/** `/license reassign|add|revoke [learner]`: opens the change modal, pre-filled when the text names one learner. */
export async function handleChangeCommand(ctx: CommandContext, parsed: { sub: ChangeMode; query: string }): Promise<void> {
  const { services } = ctx.deps;
  await requireAdmin(services, ctx.actor, parsed.sub);
  const { learner } = parsed.query ? await resolveLearner(services, parsed.query) : { learner: null };
  await openChangeModal(ctx.client, services, {
    triggerId: ctx.triggerId,
    mode: parsed.sub,
    ...(ctx.actor.channelId ? { channelId: ctx.actor.channelId } : {}),
    learner,
    userId: ctx.actor.userId,
    logger: ctx.deps.logger,
  });
}
