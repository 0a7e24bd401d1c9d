import type { LearnerCard } from '../../licensing/directory.js';
import { describeTypes } from '../../licensing/model.js';
import { ids } from '../ids.js';
import { context, escapeMrkdwn, section, slackDate, type KnownBlock } from './blocks.js';

/** The learner card of `/license show`: licenses, status, latest history, and action buttons. */
export function buildLearnerCard(card: LearnerCard, canChange: boolean): { text: string; blocks: KnownBlock[] } {
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
    const value = JSON.stringify({ learnerId: learner.id });
    blocks.push({
      type: 'actions',
      block_id: 'learner_card_actions',
      elements: [
        { type: 'button', action_id: ids.card.reassign, text: { type: 'plain_text', text: 'Reassign' }, value },
        { type: 'button', action_id: ids.card.add, text: { type: 'plain_text', text: 'Add license' }, value },
        ...(learner.licenseTypes.length
          ? [{ type: 'button' as const, action_id: ids.card.revoke, style: 'danger' as const, text: { type: 'plain_text' as const, text: 'Revoke' }, value }]
          : []),
      ],
    });
  }
  return { text: `${learner.name} (${learner.email}): ${licenses}`, blocks };
}
