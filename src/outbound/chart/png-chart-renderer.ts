import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { ChartRenderer } from '../../licensing/report/ports.js';
import { buildSeatChartSvg, CHART_HEIGHT, CHART_WIDTH } from './seat-chart-svg.js';

const require = createRequire(import.meta.url);

/** DejaVu Sans from its npm package: the text renders the same on a server without fonts. */
function fontFiles(): string[] {
  try {
    return [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
  } catch {
    return [];
  }
}

/** Renders the seat chart: our SVG, rasterised to PNG by resvg (a prebuilt binary from npm, no download at install). */
export function createPngChartRenderer(): ChartRenderer {
  const fonts = fontFiles();
  return {
    async renderSeatChart(report) {
      const resvg = new Resvg(buildSeatChartSvg(report), {
        fitTo: { mode: 'width', value: CHART_WIDTH },
        font: { fontFiles: fonts, loadSystemFonts: fonts.length === 0, defaultFontFamily: 'DejaVu Sans' },
        background: '#ffffff',
      });
      const png = resvg.render().asPng();
      return { png: Buffer.from(png), width: CHART_WIDTH, height: CHART_HEIGHT };
    },
  };
}
