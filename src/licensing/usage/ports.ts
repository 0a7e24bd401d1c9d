import type { Actor } from '../model.js';
import type { RowSource } from '../transfer/ports.js';

/** What a usage report says about one learner, merged over all of their rows. */
export interface LearnerUsage {
  email: string;
  /** The latest day they were active; absent when the report shows no activity. */
  lastActiveAt?: Date;
  hoursViewed: number;
  daysLoggedIn?: number;
}

/** Which platform export a file was recognised as, from its header. */
export type UsageFormat = 'linkedin_learner_summary' | 'linkedin_learner_detail' | 'generic';

/** One usage import, kept for good: who imported which file when, and what it changed. */
export interface UsageImportRecord {
  id: string;
  fileName: string;
  format: UsageFormat;
  importedAt: Date;
  importedBy: string;
  source: Actor['source'];
  /** The day the report's period ends: activity without its own date counts as of then. */
  periodEnd: Date;
  rows: number;
  learners: number;
  matched: number;
  unknownEmails: number;
  status: 'running' | 'completed';
  completedAt?: Date;
}

/** Persistence of usage; implemented by db/. */
export interface UsageStore {
  /** Records an import as running (idempotent per id). */
  startUsageImport(record: UsageImportRecord): Promise<void>;
  finishUsageImport(id: string, counts: { matched: number; unknownEmails: number }, at: Date): Promise<void>;
  /**
   * Writes each learner's usage by email: hours and days as reported, the last active day only
   * forward (an older report never makes someone look idle). Returns the emails no learner has.
   */
  saveUsage(importId: string, usage: readonly LearnerUsage[], at: Date): Promise<{ matched: number; unknown: string[] }>;
  /** Most recent imports first. */
  listUsageImports(limit: number): Promise<UsageImportRecord[]>;
}

/** What a usage import needs. */
export interface UsageDeps {
  usage: UsageStore;
  now: () => Date;
  newRunId: () => string;
}

/** A usage file to import: its rows (read twice: once to check, once to write) and its name. */
export interface UsageSource {
  rows: RowSource;
  fileName: string;
}
