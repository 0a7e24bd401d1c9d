import { ids } from '../../../src/slack/ids.js';
import { buildLearnerNotice } from '../../../src/slack/views/learner-notice.js';
import { allButtons, contextText, sectionText, texts } from './block-queries.js';

const names = new Map([
  ['pro', 'Learning Pro'],
  ['core', 'Learning <Core>'],
]);
const at = new Date('2024-05-01T09:00:00Z');

describe('the notices learners get', () => {
  it('says what a learner has now, what they lost, that their progress stays on reports, and whom to ask', () => {
    const message = buildLearnerNotice(
      { kind: 'license_changed', before: ['core'], after: ['pro'], changedBy: 'UADMIN1', reason: 'annual *upgrade*', at },
      names,
    );

    expect(message.text).toBe(
      'Your learning licenses changed. You now have Learning Pro. You no longer have access to content of Learning <Core>. Everything you learned so far stays on your reports.',
    );
    expect(sectionText(message.blocks[0]!)).toBe(
      ':mortar_board: *Your learning licenses changed*\nYou now have *Learning Pro*.\nYou no longer have access to content of *Learning &lt;Core&gt;*.\nEverything you learned so far stays on your reports.',
    );
    // The reason is the admin's words: their *stars* must not turn into formatting.
    expect(sectionText(message.blocks[1]!)).toBe('*Reason:* annual ∗upgrade∗');
    expect(contextText(message.blocks[2]!)).toBe(
      'Changed by <@UADMIN1> <!date^1714554000^{date_short_pretty} {time}|2024-05-01T09:00:00.000Z>. Questions? Ask <@UADMIN1>.',
    );
  });

  it('says so when a learner is left without a license, and leaves out an empty reason', () => {
    const message = buildLearnerNotice({ kind: 'license_changed', before: ['pro'], after: [], changedBy: 'U1', reason: ' ', at }, names);
    expect(message.text).toContain('You now have no learning license.');
    expect(texts(message.blocks).some((t) => t.startsWith('*Reason:*'))).toBe(false);
  });

  it('tells a learner their request was approved, denied with the reason, or could not be applied and why', () => {
    const approved = buildLearnerNotice(
      { kind: 'license_request_decided', outcome: 'approved', licenseType: 'pro', decidedBy: 'UADMIN1', licenses: ['core', 'pro'] },
      names,
    );
    const denied = buildLearnerNotice(
      {
        kind: 'license_request_decided',
        outcome: 'denied',
        licenseType: 'pro',
        decidedBy: 'UADMIN1',
        licenses: [],
        reason: 'budget <frozen>',
      },
      names,
    );
    const failed = buildLearnerNotice(
      {
        kind: 'license_request_decided',
        outcome: 'failed',
        licenseType: 'pro',
        decidedBy: 'UADMIN1',
        licenses: [],
        reason: 'learner_deactivated',
      },
      names,
    );

    expect(approved.text).toBe('Your request for Learning Pro was approved.');
    expect(sectionText(approved.blocks[0]!)).toBe(
      ':white_check_mark: Your request for *Learning Pro* was approved by <@UADMIN1>. You now have *Learning &lt;Core&gt;* + *Learning Pro*.',
    );
    expect(sectionText(denied.blocks[0]!)).toBe(':x: Your request for *Learning Pro* was denied by <@UADMIN1>: “budget &lt;frozen&gt;”');
    expect(sectionText(failed.blocks[0]!)).toBe(
      ':warning: Your request for *Learning Pro* could not be applied: That learner is deactivated, so their licenses cannot be changed.',
    );
  });

  it('renders every kind a feature queues, with its buttons: grant warnings and reclaim questions', () => {
    const grantId = `${'a'.repeat(24)}:${'b'.repeat(24)}`;
    const ending = {
      kind: 'grant_ending' as const,
      endsAt: at,
      taken: ['pro'],
      returned: ['core'],
      learners: [{ name: 'Ada', email: 'ada@example.com' }],
      count: 1,
      target: { grantId },
    };
    const toLearner = buildLearnerNotice({ ...ending, audience: 'learner' }, names);
    const toAdmin = buildLearnerNotice({ ...ending, audience: 'admin', count: 3, target: { requestId: 'c'.repeat(24) } }, names);
    const ask = buildLearnerNotice(
      { kind: 'reclaim_ask', roundId: 'd'.repeat(24), learnerId: 'b'.repeat(24), learnerName: 'Ada', licenseType: 'pro', graceEndsAt: at },
      names,
    );

    expect(sectionText(toLearner.blocks[0]!)).toContain('Your Learning Pro license ends <!date^1714554000^');
    expect(allButtons(toLearner.blocks).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      [ids.grant.askExtend, 'Ask for more time', JSON.stringify({ grantId })],
    ]);
    expect(allButtons(toAdmin.blocks).map((b) => [b.action_id, b.text.text, b.value])).toEqual([
      [ids.grant.extend, 'Extend all 3', JSON.stringify({ requestId: 'c'.repeat(24) })],
    ]);
    expect(allButtons(ask.blocks).map((b) => [b.action_id, b.text.text])).toEqual([
      [ids.reclaim.keep, 'Keep my license'],
      [ids.reclaim.release, 'Release it'],
    ]);
    expect(ask.text).toBe('Do you still need your Learning Pro license? Answer by 2024-05-01T09:00:00.000Z.');
  });
});
