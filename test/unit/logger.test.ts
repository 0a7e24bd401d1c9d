import { createLogger, withLogContext } from '../../src/logger.js';

function capture(level: Parameters<typeof createLogger>[0] = 'debug', base: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const logger = createLogger(level, base, (line) => lines.push(line));
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the JSON logger', () => {
  it('writes one JSON object per line with time, level name, message, base and own fields', () => {
    const { logger, lines, parsed } = capture('debug', { service: 'bot' });
    logger.info('started', { port: 3000 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(parsed()[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      service: 'bot',
      port: 3000,
      msg: 'started',
    });
  });

  it('drops lines below its level', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('no');
    logger.info('no');
    logger.warn('yes');
    logger.error('yes too');
    expect(parsed().map((line) => line.level)).toEqual(['warn', 'error']);
  });

  it('censors secret fields at any of the first three levels and Slack tokens or bearer credentials in any text', () => {
    const { logger, lines } = capture();
    logger.warn('auth failed for xoxb-123-456-abcDEF, retrying with xapp-1-A0-789-xyz', {
      token: 'xoxb-999-888-secretvalue',
      config: { signingSecret: 'signing-secret-value', slack: { botToken: 'xoxb-nested-token', appToken: 'xapp-nested' } },
      headers: { authorization: 'Bearer abc.def.ghi' },
      note: 'sent Authorization: Bearer sk_live_123456',
      password: 'hunter2',
      error: new Error('invalid_auth for token xoxp-1-2-3'),
    });
    const out = lines.join('\n');
    for (const secret of [
      'xoxb-123-456-abcDEF',
      'xapp-1-A0-789-xyz',
      'xoxb-999-888-secretvalue',
      'signing-secret-value',
      'xoxb-nested-token',
      'xapp-nested',
      'abc.def.ghi',
      'sk_live_123456',
      'hunter2',
      'xoxp-1-2-3',
    ])
      expect(out).not.toContain(secret);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, Record<string, unknown>>;
    expect(line.token).toBe('[redacted]');
    expect(line.config?.signingSecret).toBe('[redacted]');
    expect(line.error?.message).toBe('invalid_auth for token [redacted]');
    expect(line.msg).toBe('auth failed for [redacted], retrying with [redacted]');
  });

  it('adds the fields of the surrounding context to every line, across awaits and child loggers', async () => {
    const { logger, parsed } = capture();
    await withLogContext({ requestId: 'r1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.child({ component: 'slack' }).info('handled');
      await withLogContext({ jobId: 'j1' }, async () => logger.info('nested'));
    });
    logger.info('outside');
    expect(parsed().map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: 'info', component: 'slack', requestId: 'r1', msg: 'handled' },
      { level: 'info', requestId: 'r1', jobId: 'j1', msg: 'nested' },
      { level: 'info', msg: 'outside' },
    ]);
  });
});
