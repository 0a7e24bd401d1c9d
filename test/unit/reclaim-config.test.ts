import { ConfigError, loadConfig, loadReclaimConfig } from '../../src/config.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123' };

describe('the reclaim, undo and price settings', () => {
  it('default to 60 idle days, no asking, a 7-day grace, a 90-day cooldown and a 14-day undo window', () => {
    expect(loadConfig(base).reclaim).toMatchObject({
      idleDays: 60,
      askFirst: false,
      graceDays: 7,
      cooldownDays: 90,
      excludeGroups: [],
      excludeEmails: [],
      undoWindowDays: 14,
    });
  });

  it('read SEAT_PRICE_<TYPE> for keys spelled with - or _, and the exclusions as lists', () => {
    const reclaim = loadReclaimConfig({
      SEAT_PRICE_PRO: '420',
      SEAT_PRICE_LEARNING_CORE: '39.90',
      RECLAIM_ASK_FIRST: 'on',
      RECLAIM_EXCLUDE_GROUPS: 'Executives, Legal',
      RECLAIM_EXCLUDE_EMAILS: 'CEO@example.com',
      REPORT_CHANNEL_ID: 'C0123ABC',
      UNDO_WINDOW_DAYS: '0',
    });
    expect(reclaim.seatPrices.get('pro')).toBe(420);
    expect(reclaim.seatPrices.get('learning-core')).toBe(39.9);
    expect(reclaim.seatPrices.get('learning_core')).toBe(39.9);
    expect(reclaim).toMatchObject({
      askFirst: true,
      excludeGroups: ['Executives', 'Legal'],
      excludeEmails: ['ceo@example.com'],
      reportChannelId: 'C0123ABC',
      undoWindowDays: 0,
    });
  });

  it('list every bad value by name, never by value', () => {
    let error: unknown;
    try {
      loadConfig({
        ...base,
        RECLAIM_IDLE_DAYS: '0',
        SEAT_PRICE_PRO: 'free',
        RECLAIM_EXCLUDE_EMAILS: 'not-an-email',
        REPORT_CHANNEL_ID: '#general',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'RECLAIM_IDLE_DAYS must be a number of days of at least 1',
        'SEAT_PRICE_PRO must be a price such as 420 or 39.90 (yearly, per seat)',
        'RECLAIM_EXCLUDE_EMAILS must be email addresses separated by commas',
        'REPORT_CHANNEL_ID must be a Slack channel ID such as C012ABCDEF',
      ]),
    );
    expect(problems.join('\n')).not.toContain('free');
  });
});
