import type { LicenseType } from '../../../src/licensing/model.js';
import { buildSeatsMessage } from '../../../src/slack/views/seats.js';
import { blockAt, blocksOfType, contextText, sectionText } from './block-queries.js';

function licenseType(key: string, name: string, capacity: number | null, seatsInUse = 0): LicenseType {
  return { key, name, capacity, seatsInUse };
}

function manyTypes(count: number, nameLength = 60): LicenseType[] {
  return Array.from({ length: count }, (_, i) => licenseType(`type-${i}`, `Type ${i} ${'x'.repeat(nameLength)}`, 1000, i));
}

/** The rows of every section after the heading, in order. */
function rowsOf(blocks: ReturnType<typeof buildSeatsMessage>['blocks']): string[] {
  return blocksOfType(blocks, 'section')
    .slice(1)
    .flatMap((s) => sectionText(s).split('\n'));
}

describe('buildSeatsMessage', () => {
  it('says there are no license types yet and how to import them', () => {
    const message = buildSeatsMessage([]);
    expect(message.text).toBe('No license types yet.');
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      'No license types yet. Import them with `license-bot import license-types FILE.csv`.',
    );
  });

  it('shows capacity, seats in use and free seats per type', () => {
    const message = buildSeatsMessage([licenseType('pro', 'Learning Pro', 100, 88), licenseType('labs', 'Learning Labs', null, 7)]);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe('*Seats by license type*');
    expect(rowsOf(message.blocks)).toEqual([
      '*Learning Pro* (`pro`) — capacity 100 · in use 88 · free 12',
      '*Learning Labs* (`labs`) — capacity unlimited · in use 7 · free ∞',
    ]);
    expect(message.text).toBe(
      'Learning Pro (pro) — capacity 100 · in use 88 · free 12\nLearning Labs (labs) — capacity unlimited · in use 7 · free ∞',
    );
  });

  it('never shows negative free seats for an over-full type', () => {
    expect(rowsOf(buildSeatsMessage([licenseType('over', 'Over', 5, 9)]).blocks)).toEqual([
      '*Over* (`over`) — capacity 5 · in use 9 · free 0',
    ]);
  });

  it('escapes license type names', () => {
    expect(rowsOf(buildSeatsMessage([licenseType('odd', '<!channel> & <@U123>', 1, 0)]).blocks)).toEqual([
      '*&lt;!channel&gt; &amp; &lt;@U123&gt;* (`odd`) — capacity 1 · in use 0 · free 1',
    ]);
  });

  it('spreads many types over several sections without losing or cutting a row', () => {
    const types = manyTypes(200);
    const message = buildSeatsMessage(types);
    const sections = blocksOfType(message.blocks, 'section');
    expect(sections.length).toBeGreaterThan(2);
    for (const s of sections) expect(sectionText(s).length).toBeLessThanOrEqual(3000);
    const rows = rowsOf(message.blocks);
    expect(rows).toHaveLength(200);
    expect(rows[0]).toBe(`*Type 0 ${'x'.repeat(60)}* (\`type-0\`) — capacity 1000 · in use 0 · free 1000`);
    expect(rows[199]).toBe(`*Type 199 ${'x'.repeat(60)}* (\`type-199\`) — capacity 1000 · in use 199 · free 801`);
  });

  it('stays within 50 blocks and points to the export when there are too many types to show', () => {
    const message = buildSeatsMessage(manyTypes(3000));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe(
      'More license types exist; export them with `license-bot export`.',
    );
    expect(rowsOf(message.blocks).length).toBeLessThan(3000);
  });
});
