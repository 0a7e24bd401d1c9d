import { seatChartSpec } from '../../src/outbound/chart/seat-chart-spec.js';

const report = {
  generatedAt: new Date('2026-12-04T12:00:00Z'),
  from: new Date('2026-12-02T00:00:00Z'),
  days: ['2026-12-02', '2026-12-03', '2026-12-04'],
  types: [
    { key: 'pro', name: 'Learning Pro', capacity: 250, inUse: [200, 210, 205] },
    { key: 'core', name: 'Learning Core', capacity: null, inUse: [90, 80, 70] },
  ],
  reclaimed: [
    { key: 'core', name: 'Learning Core', seats: 0, price: null, value: null },
    { key: 'coach', name: 'Coaching', seats: 3, price: null, value: null },
    { key: 'pro', name: 'Learning Pro', seats: 12, price: 420, value: 5040 },
  ],
  topGroups: [
    { group: 'Sales', holders: 40 },
    { group: 'Engineering', holders: 120 },
  ],
};

type Chart = { title?: string; data: { values: Record<string, unknown>[] } };
const parts = (spec: ReturnType<typeof seatChartSpec>) => {
  // The spec as the JSON Vega-Lite reads, in the shape this chart has.
  const json: { vconcat: [Chart, { hconcat: [Chart, Chart] }] } = JSON.parse(JSON.stringify(spec));
  const [line, bars] = json.vconcat;
  return { line, groups: bars.hconcat[0], reclaimed: bars.hconcat[1] };
};

describe('the seat chart', () => {
  it('draws every type’s seats in use per day, and its capacity only when it has one', () => {
    const { line } = parts(seatChartSpec(report));
    expect(line.title).toBe('Seats in use vs capacity, 2026-12-02 to 2026-12-04');
    expect(line.data.values.filter((v) => v.type === 'Learning Pro' && v.line === 'in use').map((v) => v.seats)).toEqual([200, 210, 205]);
    expect(line.data.values.filter((v) => v.type === 'Learning Pro' && v.line === 'capacity').map((v) => v.seats)).toEqual([250, 250, 250]);
    expect(line.data.values.filter((v) => v.type === 'Learning Core' && v.line === 'capacity')).toEqual([]);
  });

  it('lists the top groups and the reclaimed seats largest first, with the yearly value where a price is set', () => {
    const { groups, reclaimed } = parts(seatChartSpec(report));
    expect(groups.data.values.map((v) => [v.name, v.label])).toEqual([
      ['Engineering', '120'],
      ['Sales', '40'],
    ]);
    expect(reclaimed.data.values.map((v) => [v.name, v.label])).toEqual([
      ['Learning Pro', '12 (5,040 a year)'],
      ['Coaching', '3'],
    ]);
  });

  it('says so instead of drawing empty charts when nothing was reclaimed and nobody holds a license', () => {
    const { groups, reclaimed } = parts(seatChartSpec({ ...report, reclaimed: [], topGroups: [] }));
    expect(groups.data.values.map((v) => v.name)).toEqual(['none yet']);
    expect(reclaimed.data.values.map((v) => v.name)).toEqual(['none yet']);
  });
});
