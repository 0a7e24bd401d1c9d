import type { BulkStore } from '../bulk/ports.js';
import type { LicensingStore } from '../ports.js';
import type { ReclaimStore } from '../reclaim/ports.js';
import type { SeatReport } from './seat-report.js';

/** One history row as the report reads it. */
export interface AssignmentSpan {
  licenseType: string;
  assignedAt: Date;
  revokedAt: Date | null;
}

/** The queries of the seat report; implemented by db/. */
export interface ReportStore {
  /** History rows of these types still open at `from` or closed since (the ones that count in the window). */
  assignmentsOpenSince(from: Date, types: readonly string[]): AsyncIterable<AssignmentSpan>;
  /** Groups by learners holding at least one license, most first. */
  topGroups(limit: number): Promise<{ group: string; holders: number }[]>;
}

/** Draws the seat report's chart; the adapter in outbound/chart renders PNG. */
export interface ChartRenderer {
  /** A PNG of `width` × `height` pixels. */
  renderSeatChart(report: SeatReport): Promise<{ png: Buffer; width: number; height: number }>;
}

/** What the report needs. */
export interface ReportDeps {
  store: LicensingStore;
  bulk: BulkStore;
  reclaim: ReclaimStore;
  report: ReportStore;
  /** Yearly price of one seat by license type (SEAT_PRICE_<TYPE>). */
  seatPrices: ReadonlyMap<string, number>;
  now: () => Date;
}
