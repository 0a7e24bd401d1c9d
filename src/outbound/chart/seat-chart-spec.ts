import type { TopLevelSpec } from 'vega-lite';
import type { SeatReport } from '../../licensing/report/seat-report.js';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 600;

/**
 * The seat report as a Vega-Lite specification (data and layout, nothing drawn yet): seats in use
 * each day per license type (solid) against its capacity (dashed), the top groups by license
 * holders, and the seats reclaimed in the period per type with their yearly value. Pure: the
 * renderer turns it into SVG and then PNG.
 */
export function seatChartSpec(report: SeatReport): TopLevelSpec {
  const seats = report.types.flatMap((type) =>
    report.days.flatMap((day, i) => [
      { day, type: type.name, line: 'in use', seats: type.inUse[i] ?? 0 },
      ...(type.capacity !== null ? [{ day, type: type.name, line: 'capacity', seats: type.capacity }] : []),
    ]),
  );
  const from = report.days[0] ?? '';
  const to = report.days[report.days.length - 1] ?? '';
  const bar = (title: string, values: object[], field: string, axis: string, label: string) => ({
    title,
    width: 440,
    height: 150,
    data: { values },
    // One encoding for both layers: the bars and their labels share the axes and the order.
    encoding: {
      // Largest first: the values come sorted, and the axis keeps their order.
      y: { field: 'name', type: 'nominal' as const, sort: null, title: null },
      x: { field, type: 'quantitative' as const, title: axis },
    },
    layer: [
      { mark: { type: 'bar' as const, color: '#4c78a8' } },
      { mark: { type: 'text' as const, align: 'left' as const, dx: 4 }, encoding: { text: { field: label, type: 'nominal' as const } } },
    ],
  });
  const groups = [...report.topGroups]
    .sort((a, b) => b.holders - a.holders)
    .slice(0, 8)
    .map((g) => ({ name: g.group, holders: g.holders, label: g.holders.toLocaleString('en-US') }));
  const reclaimed = report.reclaimed
    .filter((r) => r.seats > 0)
    .sort((a, b) => b.seats - a.seats)
    .map((r) => ({
      name: r.name,
      seats: r.seats,
      label: `${r.seats.toLocaleString('en-US')}${r.value !== null ? ` (${r.value.toLocaleString('en-US')} a year)` : ''}`,
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 16,
    config: { font: 'DejaVu Sans', title: { fontSize: 15 }, view: { stroke: null } },
    vconcat: [
      {
        title: `Seats in use vs capacity, ${from} to ${to}`,
        width: 960,
        height: 230,
        data: { values: seats },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'day', type: 'temporal', title: null, axis: { format: '%b %d' } },
          y: { field: 'seats', type: 'quantitative', title: 'Seats' },
          color: { field: 'type', type: 'nominal', title: 'License' },
          strokeDash: {
            field: 'line',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['in use', 'capacity'],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
          },
        },
      },
      {
        hconcat: [
          bar(
            'Top groups by license holders',
            groups.length ? groups : [{ name: 'none yet', holders: 0, label: '' }],
            'holders',
            'Holders',
            'label',
          ),
          bar(
            'Seats reclaimed in the period',
            reclaimed.length ? reclaimed : [{ name: 'none yet', seats: 0, label: '' }],
            'seats',
            'Seats',
            'label',
          ),
        ],
      },
    ],
  };
}
