import { ConfigError, loadConfig } from '../../src/config.js';

const valid = { SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: 'a-long-signing-secret' };

describe('configuration', () => {
  it('defaults to HTTP mode on port 3000 with an embedded database', () => {
    const config = loadConfig(valid);
    expect(config.slack.socketMode).toBe(false);
    expect(config.port).toBe(3000);
    expect(config.mongodbUri).toBeUndefined();
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('switches to Socket Mode when an app token is set and reads admin lists', () => {
    const config = loadConfig({ ...valid, SLACK_APP_TOKEN: 'xapp-1-abc', LICENSE_ADMINS: 'U111AAA, U222BBB' });
    expect(config.slack.socketMode).toBe(true);
    expect(config.admins).toEqual(['U111AAA', 'U222BBB']);
  });

  it('lists every problem at once and never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig({
        SLACK_SIGNING_SECRET: 'sh0rt',
        SLACK_APP_TOKEN: 'xoxb-not-an-app-token',
        PORT: 'eighty',
        SLACK_API_URL: 'http://x/',
        LICENSE_ADMINS: 'bob',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'PORT', 'SLACK_API_URL', 'LICENSE_ADMINS'])
      expect(problems).toContain(name);
    expect((error as Error).message).not.toContain('xoxb-not-an-app-token');
    expect((error as Error).message).not.toContain('sh0rt');
  });
});
