import { describeTypes } from '../../licensing/model.js';
import type { LearnerCard } from '../../licensing/single/directory.js';
import { ids } from '../ids.js';
import { encodeLearnerRef } from '../parsers/payloads.js';
import { button, context, escapeMrkdwn, type KnownBlock, type Message, section, slackDate } from './blocks.js';

/** The learner card of `/license show`: licenses, status, latest history, and action buttons. */
export function buildLearnerCard(card: LearnerCard, canChange: boolean): Message {
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
  return { text: `${learner.name} (${learner.email}): ${licenses}`, blocks };
}
