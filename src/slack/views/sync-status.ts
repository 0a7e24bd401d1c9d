import type { SyncOverview } from '../../licensing/sync/status.js';
import { ids } from '../ids.js';
import { button, context, escapeMrkdwn, type KnownBlock, type Message, section, slackDate } from './blocks.js';

const n = (value: number) => value.toLocaleString('en-US');

/** "3 h 12 min", for how long the oldest change has waited. */
export function age(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days`;
}

function confirm(title: string, text: string, ok: string) {
  return {
    title: { type: 'plain_text' as const, text: title },
    text: { type: 'plain_text' as const, text },
    confirm: { type: 'plain_text' as const, text: ok },
    deny: { type: 'plain_text' as const, text: 'Back' },
  };
}

/** `/license sync`: target, pending count and age, dead letters with Retry, drift with its two answers. */
export function buildSyncMessage(overview: SyncOverview, now: Date): Message {
  if (overview.target === 'none') {
    const sentence = 'Sync is off (`SYNC_TARGET=none`): the bot is the record, and changes reach the platform only through exports.';
    return { text: sentence.replace(/`/g, ''), blocks: [section(sentence)] };
  }
  const { counts } = overview;
  const blocks: KnownBlock[] = [];
  const state = overview.paused
    ? `:double_vertical_bar: *Paused*${overview.pausedAt ? ` since ${slackDate(overview.pausedAt)}` : ''}: the platform refused our credentials${overview.pauseReason ? ` (“${escapeMrkdwn(overview.pauseReason)}”)` : ''}. Fix them; sync resumes by itself once the platform accepts them.`
    : counts.pending === 0
      ? ':white_check_mark: *In sync*: the platform has every settled change.'
      : `:arrows_counterclockwise: *${n(counts.pending)}* change${counts.pending === 1 ? '' : 's'} on the way${counts.oldestPendingSince ? `, the oldest waiting ${age(counts.oldestPendingSince, now)}` : ''}.`;
  blocks.push(section(`*Sync to ${escapeMrkdwn(overview.description)}*\n${state}`));
  const facts = [`${n(counts.synced)} learners in sync`, `${n(counts.pending)} pending`, `${n(counts.dead)} refused`];
  if (overview.lastDelivery)
    facts.push(
      `last file ${escapeMrkdwn(overview.lastDelivery.name)} (${n(overview.lastDelivery.rows)} rows) ${slackDate(overview.lastDelivery.at)}`,
    );
  blocks.push(context(facts.join(' · ')));
  if (overview.lastDeliveryError) {
    blocks.push(
      section(
        `:warning: The last file could not be delivered ${slackDate(overview.lastDeliveryError.at)}: ${escapeMrkdwn(overview.lastDeliveryError.message)}`,
      ),
    );
  }
  if (overview.dead.length) {
    const lines = overview.dead.map((s) => `• ${escapeMrkdwn(s.email)} — ${escapeMrkdwn(s.lastError?.message ?? 'refused')}`);
    blocks.push(
      section(
        `*Refused by the platform* (${n(counts.dead)}${counts.dead > overview.dead.length ? `, newest ${overview.dead.length}` : ''})\n${lines.join('\n')}`,
      ),
    );
  }
  const actions = [button(ids.sync.pushNow, 'Sync now', undefined, 'primary')];
  if (counts.dead)
    actions.push({
      ...button(ids.sync.retryDead, `Retry ${n(counts.dead)} refused`),
      confirm: confirm(
        'Retry refused changes?',
        'They are sent to the platform again; fix the cause first (seats, unknown users).',
        'Retry',
      ),
    });
  blocks.push({ type: 'actions', block_id: ids.sync.actionsBlock, elements: actions });
  const drift = overview.drift;
  if (drift) {
    const lines = drift.first.map(
      (d) =>
        `• ${escapeMrkdwn(d.email)}: ours ${escapeMrkdwn(d.ours.join(', ') || 'none')} · platform ${escapeMrkdwn(d.theirs.join(', ') || 'none')}`,
    );
    blocks.push(
      section(
        drift.drifted === 0
          ? `:white_check_mark: *No drift* when last checked ${slackDate(drift.at)} (${n(drift.checked)} platform users).`
          : `:warning: *Drift*: ${n(drift.drifted)} of ${n(drift.checked)} learners hold other licenses on the platform (checked ${slackDate(drift.at)}).\n${lines.join('\n')}`,
      ),
    );
    if (drift.drifted > 0) {
      blocks.push({
        type: 'actions',
        block_id: ids.sync.driftActionsBlock,
        elements: [
          {
            ...button(ids.sync.pushOurs, 'Push ours'),
            confirm: confirm(
              'Push our licenses?',
              `The platform is overwritten with what we hold for ${n(drift.drifted)} learners.`,
              'Push ours',
            ),
          },
          {
            ...button(ids.sync.acceptTheirs, 'Accept theirs', undefined, 'danger'),
            confirm: confirm(
              'Take the platform’s licenses?',
              `Our records change to what the platform holds for ${n(drift.drifted)} learners (seats checked, history kept).`,
              'Accept theirs',
            ),
          },
        ],
      });
    }
  }
  const text = overview.paused
    ? `Sync paused: ${escapeMrkdwn(overview.pauseReason ?? 'credentials refused')}`
    : `Sync: ${n(counts.pending)} pending, ${n(counts.dead)} refused`;
  return { text, blocks };
}

/** Told to each admin once when sync pauses on refused credentials. */
export function buildSyncPausedNotice(target: string, reason: string): Message {
  const sentence = `:double_vertical_bar: Sync to ${escapeMrkdwn(target)} is paused: the platform refused our credentials (“${escapeMrkdwn(reason)}”). No change is lost: they wait here. Fix the token (for SCIM, \`SCIM_TOKEN\`); I keep checking and resume by myself.`;
  return { text: `Sync to ${escapeMrkdwn(target)} is paused: the platform refused our credentials.`, blocks: [section(sentence)] };
}

/** Told to the admins when sync resumes. */
export function buildSyncResumedNotice(target: string): Message {
  const sentence = `:arrow_forward: Sync to ${escapeMrkdwn(target)} resumed: the platform accepts our credentials again, and the waiting changes are on their way.`;
  return { text: `Sync to ${escapeMrkdwn(target)} resumed.`, blocks: [section(sentence)] };
}
