import { parseCommandText } from '../../src/slack/parsers/command.js';

describe('/license text parsing', () => {
  it('treats empty text and "help" as help', () => {
    expect(parseCommandText('')).toEqual({ sub: 'help' });
    expect(parseCommandText('  HELP ')).toEqual({ sub: 'help' });
  });

  it('reads /license policy', () => {
    expect(parseCommandText('Policy')).toEqual({ sub: 'policy' });
  });

  it('keeps the learner query of reassign, add, revoke and show', () => {
    expect(parseCommandText('reassign Ada   Lovelace')).toEqual({ sub: 'reassign', query: 'Ada Lovelace' });
    expect(parseCommandText('show ada@example.com')).toEqual({ sub: 'show', query: 'ada@example.com' });
    expect(parseCommandText('revoke')).toEqual({ sub: 'revoke', query: '' });
  });

  it('reads escaped and raw user mentions for admins add/remove', () => {
    expect(parseCommandText('admins add <@U123ABC|jane>')).toEqual({ sub: 'admins', action: 'add', userId: 'U123ABC' });
    expect(parseCommandText('admins remove U999XYZ')).toEqual({ sub: 'admins', action: 'remove', userId: 'U999XYZ' });
    expect(parseCommandText('admins')).toEqual({ sub: 'admins', action: 'list' });
  });

  it('explains a missing or malformed mention instead of guessing', () => {
    expect(parseCommandText('admins add jane')).toMatchObject({
      sub: 'unknown',
      word: 'admins',
      problem: expect.stringContaining('Mention'),
    });
  });

  it('reports an unknown subcommand', () => {
    expect(parseCommandText('frobnicate now')).toEqual({ sub: 'unknown', word: 'frobnicate' });
  });
});
