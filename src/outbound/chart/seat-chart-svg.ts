import type { SeatReport } from '../../licensing/report/seat-report.js';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 600;

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const MARGIN = { left: 70, right: 230, top: 50, bottom: 60 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round step for the y axis: 1, 2 or 5 × a power of ten, about five ticks. */
function niceStep(max: number): number {
  const raw = Math.max(1, max) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/**
 * The seat report's chart as SVG: per license type, seats in use each day (solid) and its
 * capacity (dashed, when limited), with the days on x, a legend on the right and a title.
 */
export function buildSeatChartSvg(report: SeatReport): string {
  const plotW = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotH = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const days = report.days.length;
  const peak = Math.max(1, ...report.types.flatMap((t) => [...t.inUse, t.capacity ?? 0]));
  const step = niceStep(peak);
  const top = Math.ceil(peak / step) * step;
  const x = (i: number) => MARGIN.left + (days <= 1 ? plotW / 2 : (i / (days - 1)) * plotW);
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="DejaVu Sans" font-size="13">`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="30" font-size="18" font-weight="bold" fill="#222">Seats in use vs capacity, ${escapeXml(report.days[0] ?? '')} to ${escapeXml(report.days[days - 1] ?? '')}</text>`,
  ];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${MARGIN.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${v.toLocaleString('en-US')}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(days / 8));
  for (let i = 0; i < days; i += labelEvery) {
    parts.push(
      `<text x="${x(i).toFixed(1)}" y="${MARGIN.top + plotH + 22}" text-anchor="middle" fill="#555">${escapeXml((report.days[i] ?? '').slice(5))}</text>`,
    );
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#888"/>`);
  report.types.forEach((type, index) => {
    const color = COLORS[index % COLORS.length];
    const points = type.inUse.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2.5"/>`);
    if (type.capacity !== null)
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(type.capacity).toFixed(1)}" y2="${y(type.capacity).toFixed(1)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      );
    const ly = MARGIN.top + 10 + index * 44;
    const lx = MARGIN.left + plotW + 20;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
    parts.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#222">${escapeXml(type.name.slice(0, 22))}</text>`);
    const last = type.inUse[type.inUse.length - 1] ?? 0;
    parts.push(
      `<text x="${lx + 32}" y="${ly + 21}" fill="#666" font-size="11">${last.toLocaleString('en-US')} in use${type.capacity !== null ? ` of ${type.capacity.toLocaleString('en-US')} (dashed)` : ', unlimited'}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
