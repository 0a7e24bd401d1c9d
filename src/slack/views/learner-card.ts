import { describeTypes } from '../../licensing/model.js';
import type { Grant } from '../../licensing/schedule/ports.js';
import type { LearnerCard } from '../../licensing/single/directory.js';
import type { SyncState } from '../../licensing/sync/ports.js';
import { ids } from '../ids.js';
import { encodeLearnerRef } from '../parsers/payloads.js';
import { button, context, escapeMrkdwn, type KnownBlock, type Message, section, slackDate } from './blocks.js';
import { grantButtons, grantLines } from './grants.js';

/** One line on where the learner stands with the learning platform. */
export function syncLine(state: SyncState): string {
  if (state.status === 'synced') return `:link: *Platform:* in sync${state.syncedAt ? ` since ${slackDate(state.syncedAt)}` : ''}`;
  if (state.status === 'dead') {
    return `:x: *Platform:* refused the latest change${state.lastError ? `: “${escapeMrkdwn(state.lastError.message)}”` : ''}. An admin can retry with \`/license sync\`.`;
  }
  const since = state.pendingSince ? ` since ${slackDate(state.pendingSince)}` : '';
  const last = state.lastError ? ` (last attempt: ${escapeMrkdwn(state.lastError.message)})` : '';
  return `:arrows_counterclockwise: *Platform:* change pending${since}${last}`;
}

/**
 * The learner card of `/license show`: licenses, status, when time-bound ones end (with Extend),
 * where the learning platform stands (when synced), latest history, and action buttons.
 */
export function buildLearnerCard(card: LearnerCard, canChange: boolean, sync?: SyncState | null, grants: readonly Grant[] = []): Message {
  const { learner, history, typeNames } = card;
  const licenses = describeTypes(learner.licenseTypes, typeNames);
  const blocks: KnownBlock[] = [
    section(
      `*${escapeMrkdwn(learner.name)}* · ${escapeMrkdwn(learner.email)}\n` +
        `*Licenses:* ${escapeMrkdwn(licenses)}\n` +
        `*Status:* ${learner.status === 'active' ? 'active' : ':no_entry: deactivated'}` +
        (learner.groups.length ? `\n*Groups:* ${escapeMrkdwn(learner.groups.join(', '))}` : ''),
    ),
  ];
  if (grants.length) blocks.push(context(grantLines(grants, typeNames).join('\n')));
  if (sync) blocks.push(context(syncLine(sync)));
  if (history.length) {
    const lines = history.map((row) => {
      const name = escapeMrkdwn(typeNames.get(row.licenseType) ?? row.licenseType);
      const until = row.revokedAt ? ` → ${slackDate(row.revokedAt)}` : ' → now';
      const why = row.reason ? ` — ${escapeMrkdwn(row.reason)}` : '';
      return `• ${name}: ${slackDate(row.assignedAt)}${until} (${escapeMrkdwn(row.source)}${row.actor.startsWith('U') ? `, <@${row.actor}>` : ''})${why}`;
    });
    blocks.push(context(`*Latest history*\n${lines.join('\n')}`));
  } else {
    blocks.push(context('No license history yet.'));
  }
  if (canChange && learner.status === 'active') {
    const value = encodeLearnerRef(learner.id);
    blocks.push({
      type: 'actions',
      block_id: ids.card.actionsBlock,
      elements: [
        button(ids.card.reassign, 'Reassign', value),
        button(ids.card.add, 'Add license', value),
        ...(learner.licenseTypes.length ? [button(ids.card.revoke, 'Revoke', value, 'danger')] : []),
      ],
    });
  }
  if (canChange) blocks.push(...grantButtons(grants, typeNames));
  return { text: escapeMrkdwn(`${learner.name} (${learner.email}): ${licenses}`), blocks };
}
