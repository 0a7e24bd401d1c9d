import { buildHelpMessage } from '../../../src/slack/views/help.js';
import { blockAt, contextText, sectionText } from './block-queries.js';

describe('buildHelpMessage', () => {
  it('lists the commands under a heading', () => {
    const message = buildHelpMessage(false);
    const lines = sectionText(blockAt(message.blocks, 0, 'section')).split('\n');
    expect(lines[0]).toBe('*Learning license bot*');
    expect(lines).toContain('`/license seats` — capacity, seats in use and free seats per license type');
    expect(lines.at(-1)).toBe('`/license help` — this help');
  });

  it('tells an admin they are a license admin', () => {
    const message = buildHelpMessage(true);
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe('You are a license admin.');
  });

  it('tells everyone else that only admins can change licenses', () => {
    const message = buildHelpMessage(false);
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe(
      'Only license admins can change licenses; anyone can look.',
    );
  });

  it('puts the problem on top with a warning, and first in the fallback text', () => {
    const message = buildHelpMessage(false, '`frobnicate` is not a /license command.');
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(':warning: `frobnicate` is not a /license command.');
    expect(sectionText(blockAt(message.blocks, 1, 'section')).startsWith('*Learning license bot*')).toBe(true);
    expect(message.text.startsWith('frobnicate is not a /license command. Usage: /license reassign')).toBe(true);
  });

  it('has no problem line and a fallback text without backticks when nothing was wrong', () => {
    const message = buildHelpMessage(true);
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(message.text.startsWith('Usage: /license reassign [name or email]')).toBe(true);
    expect(message.text).not.toMatch(/`/);
  });
});
