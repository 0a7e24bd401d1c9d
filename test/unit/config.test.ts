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

describe('sync configuration', () => {
  it('keeps sync off by default and reads each target with its defaults', () => {
    expect(loadConfig(valid).sync).toEqual({ target: 'none' });
    const scim = loadConfig({
      ...valid,
      SYNC_TARGET: 'scim',
      SCIM_BASE_URL: 'https://lms.example.com/scim/v2/',
      SCIM_TOKEN: 'tok-secret',
    }).sync;
    expect(scim).toMatchObject({
      target: 'scim',
      every: '3 seconds',
      scim: { baseUrl: 'https://lms.example.com/scim/v2', revokeAll: 'deactivate', createUsers: false, concurrency: 8 },
    });
    expect(loadConfig({ ...valid, SYNC_TARGET: 'orgsync', ORGSYNC_DIR: './out', ORGSYNC_MODE: 'full' }).sync).toMatchObject({
      target: 'orgsync',
      every: '1 hour',
      orgsync: { mode: 'full', dir: './out' },
    });
  });

  it('lists every missing or malformed sync setting at once without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, SYNC_TARGET: 'webhook', SYNC_WEBHOOK_SECRET: 'short', SYNC_EVERY: 'soon', SCIM_CREATE_USERS: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('SYNC_WEBHOOK_SECRET must be at least 16 characters'),
        expect.stringContaining('SYNC_EVERY must be a duration'),
        expect.stringContaining('SCIM_CREATE_USERS must be true or false'),
      ]),
    );
    expect((error as Error).message).not.toContain('short');
  });

  it('needs a folder or an SFTP server, and a key or password for SFTP, for Org Sync', () => {
    expect(() => loadConfig({ ...valid, SYNC_TARGET: 'orgsync' })).toThrow(/ORGSYNC_DIR or ORGSYNC_SFTP_URL is required/);
    expect(() => loadConfig({ ...valid, SYNC_TARGET: 'orgsync', ORGSYNC_SFTP_URL: 'sftp://bot@host:22/in' })).toThrow(
      /ORGSYNC_SFTP_KEY_FILE or ORGSYNC_SFTP_PASSWORD/,
    );
  });
});

describe('approval policy and grant settings', () => {
  it('are off by default: no escalation, no quorum, no grant limit, no learner notices', () => {
    const config = loadConfig(valid);
    expect(config.approvalPolicy).toEqual({});
    expect(config.maxGrantDays).toBeUndefined();
    expect(config.notices.learnerNotices).toBe(false);
  });

  it('reads escalation to users or to a channel, the quorum and the grant limit', () => {
    const users = loadConfig({ ...valid, APPROVAL_ESCALATE_TO: 'U0BOSS1, U0BOSS2', BULK_QUORUM_THRESHOLD: '500', MAX_GRANT_DAYS: '90' });
    expect(users.approvalPolicy).toEqual({ escalateTo: { users: ['U0BOSS1', 'U0BOSS2'] }, quorum: { threshold: 500, approvals: 2 } });
    expect(users.maxGrantDays).toBe(90);
    const channel = loadConfig({
      ...valid,
      APPROVAL_ESCALATE_TO: 'C0BOSSES',
      BULK_QUORUM_THRESHOLD: '0',
      BULK_QUORUM: '3',
      LEARNER_NOTICES: 'on',
    });
    expect(channel.approvalPolicy).toEqual({ escalateTo: { channelId: 'C0BOSSES' }, quorum: { threshold: 0, approvals: 3 } });
    expect(channel.notices.learnerNotices).toBe(true);
    // An empty variable means its default.
    expect(loadConfig({ ...valid, MAX_GRANT_DAYS: '', APPROVAL_ESCALATE_TO: ' ' }).approvalPolicy).toEqual({});
  });

  it('lists every malformed policy setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, APPROVAL_ESCALATE_TO: 'C0ONE,U0TWO', MAX_GRANT_DAYS: '0', BULK_QUORUM: '2', LEARNER_NOTICES: 'yes' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['APPROVAL_ESCALATE_TO', 'MAX_GRANT_DAYS', 'LEARNER_NOTICES']) expect(problems).toContain(name);
    let quorumAlone: unknown;
    try {
      loadConfig({ ...valid, BULK_QUORUM: '2' });
    } catch (e) {
      quorumAlone = e;
    }
    expect((quorumAlone as ConfigError).problems).toEqual([
      'BULK_QUORUM needs BULK_QUORUM_THRESHOLD (above how many learners the quorum applies)',
    ]);
  });
});

describe('notices and self-service configuration', () => {
  it('keeps learner notices off by default, at Slack’s Tier 3 pace, with requests going to the approval channel', () => {
    const config = loadConfig(valid);
    expect(config.notices).toEqual({ learnerNotices: false, perMinute: 50 });
    expect(config.requestsChannelId).toBeUndefined();
  });

  it('reads LEARNER_NOTICES, NOTICES_PER_MINUTE and REQUESTS_CHANNEL_ID, an empty value meaning the default', () => {
    const config = loadConfig({ ...valid, LEARNER_NOTICES: 'on', NOTICES_PER_MINUTE: '600', REQUESTS_CHANNEL_ID: 'C0REQUESTS' });
    expect(config.notices).toEqual({ learnerNotices: true, perMinute: 600 });
    expect(config.requestsChannelId).toBe('C0REQUESTS');
    expect(loadConfig({ ...valid, NOTICES_PER_MINUTE: '', LEARNER_NOTICES: '' }).notices).toEqual({ learnerNotices: false, perMinute: 50 });
  });

  it('names each bad notice or requests setting', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, LEARNER_NOTICES: 'sometimes', NOTICES_PER_MINUTE: '0', REQUESTS_CHANNEL_ID: '#requests' });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('LEARNER_NOTICES must be true or false');
    expect(problems).toContain('NOTICES_PER_MINUTE must be a whole number from 1 to 100000');
    expect(problems).toContain('REQUESTS_CHANNEL_ID must be a channel id');
  });
});

describe('the Slack app manifest', () => {
  it('declares every Workflow Builder step the app registers, and subscribes to the events it handles', async () => {
    const { readFile } = await import('node:fs/promises');
    const { ids } = await import('../../src/slack/ids.js');
    const manifest = await readFile(new URL('../../manifest.yml', import.meta.url), 'utf8');
    const functions = manifest.slice(manifest.indexOf('\nfunctions:'));
    const declared = [...functions.matchAll(/^ {2}([a-z_]+):$/gm)].map((m) => m[1]);
    expect(declared.sort()).toEqual(Object.values(ids.workflow).sort());
    expect(manifest).toMatch(/bot_events:\n\s+- app_home_opened.*\n\s+- function_executed/);
    expect(manifest).toMatch(/home_tab_enabled: true/);
  });
});

describe('configuration written by people', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...valid, ...env });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('reads an empty variable as its default', () => {
    const config = loadConfig({
      ...valid,
      PORT: '',
      BULK_APPROVAL_THRESHOLD: '',
      APPROVAL_TTL_HOURS: ' ',
      SLACK_API_URL: '',
      DATA_DIR: '',
      JOB_PROCESS_EVERY: '',
      LOG_LEVEL: '',
      LICENSE_ADMINS: '',
      SLACK_APP_TOKEN: '',
    });
    expect(config).toMatchObject({
      port: 3000,
      bulkApprovalThreshold: 25,
      approvalTtlHours: 72,
      dataDir: './.data',
      jobProcessEvery: '2 seconds',
      logLevel: 'info',
      admins: [],
      slack: { apiUrl: 'https://slack.com/api/', socketMode: false },
    });
  });

  it('says a negative threshold must be 0 or more, in plain words', () => {
    expect(problemsOf({ BULK_APPROVAL_THRESHOLD: '-1' })).toEqual(['BULK_APPROVAL_THRESHOLD must be 0 or more (a whole number)']);
    expect(problemsOf({ BULK_APPROVAL_THRESHOLD: '2.5' })).toEqual(['BULK_APPROVAL_THRESHOLD must be 0 or more (a whole number)']);
  });

  it('lists each problem once, naming the variable and what it must be', () => {
    const problems = problemsOf({
      LICENSE_ADMINS: 'bob, alice, U123ABC',
      PORT: '70000',
      LOG_LEVEL: 'loud',
      APPROVAL_TTL_HOURS: '0',
      JOB_PROCESS_EVERY: 'often',
    });
    expect(problems).toEqual([
      'PORT must be a port number from 0 to 65535',
      'LICENSE_ADMINS must be Slack user IDs such as U012ABCDEF, separated by commas',
      'APPROVAL_TTL_HOURS must be a positive number of hours',
      'JOB_PROCESS_EVERY must be a duration such as "30 seconds", "15 minutes" or "1 hour"',
      'LOG_LEVEL must be one of debug, info, warn or error',
    ]);
    for (const problem of problems) expect(problem).not.toMatch(/expected|received|Invalid|Too (big|small)|NaN/);
  });
});
