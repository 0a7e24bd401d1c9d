import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import type { ChartRenderer } from '../../licensing/report/ports.js';
import { CHART_HEIGHT, CHART_WIDTH, seatChartSpec } from './seat-chart-spec.js';

const require = createRequire(import.meta.url);

/** DejaVu Sans from its npm package: the text renders the same on a server without fonts. */
function fontFiles(): string[] {
  try {
    return [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')];
  } catch {
    return [];
  }
}

/**
 * Renders the seat chart: the Vega-Lite spec compiled and drawn to SVG by Vega (headless, no
 * canvas), fitted into CHART_WIDTH × CHART_HEIGHT (aspect kept, white around it) and rasterised
 * to PNG by resvg (a prebuilt binary from npm, no download at install).
 */
export function createPngChartRenderer(): ChartRenderer {
  const fonts = fontFiles();
  return {
    async renderSeatChart(report) {
      const view = new View(parse(compile(seatChartSpec(report)).spec), { renderer: 'none' });
      try {
        const svg = fitSvg(await view.toSVG(), CHART_WIDTH, CHART_HEIGHT);
        const resvg = new Resvg(svg, {
          font: { fontFiles: fonts, loadSystemFonts: fonts.length === 0, defaultFontFamily: 'DejaVu Sans' },
          background: '#ffffff',
        });
        return { png: Buffer.from(resvg.render().asPng()), width: CHART_WIDTH, height: CHART_HEIGHT };
      } finally {
        view.finalize();
      }
    },
  };
}

/** Gives Vega's SVG (which has a viewBox) the exact outer size; the drawing scales into it. */
function fitSvg(svg: string, width: number, height: number): string {
  return svg.replace(/^<svg([^>]*?)\swidth="[\d.]+"\sheight="[\d.]+"/, `<svg$1 width="${width}" height="${height}"`);
}
