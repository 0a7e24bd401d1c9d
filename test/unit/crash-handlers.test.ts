import { EventEmitter } from 'node:events';
import { createLogger } from '../../src/logger.js';
import { installCrashHandlers } from '../../src/main.js';

describe('what the process does with errors nobody caught', () => {
  const setUp = () => {
    const proc = new EventEmitter();
    const lines: Record<string, unknown>[] = [];
    const exits: number[] = [];
    installCrashHandlers(
      proc,
      createLogger('info', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      (code) => exits.push(code),
    );
    return { proc, lines, exits };
  };

  it('logs a stray rejection and keeps running', () => {
    const { proc, lines, exits } = setUp();
    proc.emit('unhandledRejection', new Error('one request went wrong'));
    expect(exits).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', error: expect.objectContaining({ message: 'one request went wrong' }) }),
    ]);
  });

  it('logs a crash once and exits 1 for the supervisor to restart the bot', () => {
    const { proc, lines, exits } = setUp();
    proc.emit('uncaughtException', new Error('state unknown'));
    proc.emit('uncaughtException', new Error('and again while exiting'));
    expect(exits).toEqual([1]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', error: { message: 'state unknown' } });
  });
});
