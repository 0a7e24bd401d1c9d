import type { Assignment, Learner } from '../../../src/licensing/model.js';
import type { LearnerCard } from '../../../src/licensing/single/directory.js';
import type { SyncState } from '../../../src/licensing/sync/ports.js';
import { ids } from '../../../src/slack/ids.js';
import { parseLearnerRef } from '../../../src/slack/parsers/payloads.js';
import { slackDate } from '../../../src/slack/views/blocks.js';
import { buildLearnerCard, syncLine } from '../../../src/slack/views/learner-card.js';
import { allButtons, blockAt, blockById, blockIds, contextText, sectionText } from './block-queries.js';

const learnerId = '0123456789abcdef01234567';
const assignedAt = new Date('2024-01-10T08:00:00Z');
const revokedAt = new Date('2024-03-01T08:00:00Z');

function learner(overrides: Partial<Learner> = {}): Learner {
  return {
    id: learnerId,
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    groups: [],
    status: 'active',
    licenseTypes: ['pro'],
    version: 3,
    ...overrides,
  };
}

function assignment(overrides: Partial<Assignment> = {}): Assignment {
  return {
    learnerId,
    email: 'ada@example.com',
    licenseType: 'pro',
    assignedAt,
    revokedAt: null,
    actor: 'UADMIN1',
    source: 'slack',
    reason: '',
    opId: 'op-1',
    ...overrides,
  };
}

function card(who: Learner = learner(), history: Assignment[] = []): LearnerCard {
  return {
    learner: who,
    history,
    typeNames: new Map([
      ['core', 'Learning Core'],
      ['pro', 'Learning Pro'],
    ]),
  };
}

function syncState(overrides: Partial<SyncState> = {}): SyncState {
  return {
    learnerId,
    email: 'ada@example.com',
    licenseTypes: ['pro'],
    version: 3,
    pushedVersion: 3,
    status: 'synced',
    attempts: 0,
    ...overrides,
  };
}

describe('buildLearnerCard', () => {
  it('shows the learner’s name, email, licenses and status', () => {
    const message = buildLearnerCard(card(learner({ licenseTypes: ['core', 'pro'] })), false);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      '*Ada Lovelace* · ada@example.com\n*Licenses:* Learning Core + Learning Pro\n*Status:* active',
    );
    expect(message.text).toBe('Ada Lovelace (ada@example.com): Learning Core + Learning Pro');
  });

  it('escapes the name, email and groups', () => {
    const who = learner({ name: '*Bold* <!channel> <@U123>', email: 'a&b@example.com', groups: ['R&D', '<!here>'] });
    expect(sectionText(blockAt(buildLearnerCard(card(who), false).blocks, 0, 'section'))).toBe(
      '*∗Bold∗ &lt;!channel&gt; &lt;@U123&gt;* · a&amp;b@example.com\n*Licenses:* Learning Pro\n*Status:* active\n*Groups:* R&amp;D, &lt;!here&gt;',
    );
  });

  it('marks a deactivated learner and says "no license" when they hold none', () => {
    const message = buildLearnerCard(card(learner({ status: 'deactivated', licenseTypes: [] })), true);
    expect(
      sectionText(blockAt(message.blocks, 0, 'section'))
        .split('\n')
        .slice(1),
    ).toEqual(['*Licenses:* no license', '*Status:* :no_entry: deactivated']);
  });

  it('lists the latest history with dates, source, a mention of Slack actors and the escaped reason', () => {
    const history = [
      assignment({ licenseType: 'core', revokedAt, reason: 'Moved <!channel>' }),
      assignment({ actor: 'cli', source: 'import' }),
      assignment({ licenseType: 'gone' }),
    ];
    const message = buildLearnerCard(card(learner(), history), false);
    expect(contextText(blockAt(message.blocks, 1, 'context')).split('\n')).toEqual([
      '*Latest history*',
      `• Learning Core: ${slackDate(assignedAt)} → ${slackDate(revokedAt)} (slack, <@UADMIN1>) — Moved &lt;!channel&gt;`,
      `• Learning Pro: ${slackDate(assignedAt)} → now (import)`,
      `• gone: ${slackDate(assignedAt)} → now (slack, <@UADMIN1>)`,
    ]);
  });

  it('says when there is no history yet', () => {
    expect(contextText(blockAt(buildLearnerCard(card(), false).blocks, 1, 'context'))).toBe('No license history yet.');
  });

  it('offers Reassign, Add license and Revoke to an admin for an active learner with a license', () => {
    const message = buildLearnerCard(card(), true);
    const actions = blockById(message.blocks, ids.card.actionsBlock, 'actions');
    const buttons = allButtons([actions]);
    expect(buttons.map((b) => [b.action_id, b.text.text, b.style])).toEqual([
      [ids.card.reassign, 'Reassign', undefined],
      [ids.card.add, 'Add license', undefined],
      [ids.card.revoke, 'Revoke', 'danger'],
    ]);
    for (const b of buttons) expect(parseLearnerRef(b.value)).toEqual({ learnerId });
  });

  it('leaves out Revoke when the learner holds no license', () => {
    const message = buildLearnerCard(card(learner({ licenseTypes: [] })), true);
    expect(allButtons(message.blocks).map((b) => b.action_id)).toEqual([ids.card.reassign, ids.card.add]);
  });

  it('shows no buttons to someone who cannot change licenses', () => {
    const message = buildLearnerCard(card(), false);
    expect(blockIds(message.blocks)).not.toContain(ids.card.actionsBlock);
    expect(allButtons(message.blocks)).toHaveLength(0);
  });

  it('shows no buttons for a deactivated learner, even to an admin', () => {
    const message = buildLearnerCard(card(learner({ status: 'deactivated' })), true);
    expect(allButtons(message.blocks)).toHaveLength(0);
  });
});

describe('syncLine', () => {
  const at = new Date('2024-05-02T10:00:00Z');

  it('says the platform is in sync, and since when if known', () => {
    expect(syncLine(syncState({ syncedAt: at }))).toBe(`:link: *Platform:* in sync since ${slackDate(at)}`);
    expect(syncLine(syncState())).toBe(':link: *Platform:* in sync');
  });

  it('quotes the platform’s refusal, escaped, and says how to retry', () => {
    const dead = syncState({ status: 'dead', lastError: { message: 'Bad <!channel> & co', at, status: 400 } });
    expect(syncLine(dead)).toBe(
      ':x: *Platform:* refused the latest change: “Bad &lt;!channel&gt; &amp; co”. An admin can retry with `/license sync`.',
    );
    expect(syncLine(syncState({ status: 'dead' }))).toBe(
      ':x: *Platform:* refused the latest change. An admin can retry with `/license sync`.',
    );
  });

  it('says a change is pending, since when, and the last failed attempt, escaped', () => {
    const pending = syncState({ status: 'pending', pushedVersion: 2, pendingSince: at, lastError: { message: 'timeout <b>', at } });
    expect(syncLine(pending)).toBe(
      `:arrows_counterclockwise: *Platform:* change pending since ${slackDate(at)} (last attempt: timeout &lt;b&gt;)`,
    );
    expect(syncLine(syncState({ status: 'pending' }))).toBe(':arrows_counterclockwise: *Platform:* change pending');
  });

  it('puts the platform line right under the learner on the card, and leaves it out without sync', () => {
    const withSync = buildLearnerCard(card(), false, syncState({ status: 'pending' }));
    expect(contextText(blockAt(withSync.blocks, 1, 'context'))).toBe(':arrows_counterclockwise: *Platform:* change pending');
    expect(contextText(blockAt(withSync.blocks, 2, 'context'))).toBe('No license history yet.');

    const withoutSync = buildLearnerCard(card(), false, null);
    expect(withoutSync.blocks.map((b) => b.type)).toEqual(['section', 'context']);
  });
});

describe('a learner card of a hostile name', () => {
  it('escapes the name in the notification text as in the blocks', () => {
    const card = buildLearnerCard(
      {
        learner: learner({ name: '<!channel> *Boss*', email: 'boss@example.com' }),
        history: [],
        typeNames: new Map([['pro', 'Learning Pro']]),
      },
      true,
    );
    expect(card.text).not.toMatch(/<!channel>|\*Boss\*/);
    expect(card.text).toContain('&lt;!channel&gt;');
    expect(sectionText(blockAt(card.blocks, 0, 'section'))).not.toMatch(/<!channel>|\*Boss\*/);
  });
});
