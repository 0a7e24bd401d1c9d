import type { Repositories } from '../../src/db/index.js';
import type { ReclaimDeps, ReclaimSettings } from '../../src/licensing/reclaim/ports.js';
import type { UndoDeps } from '../../src/licensing/undo/ports.js';
import { bulkDeps } from './bulk-fixtures.js';

/** Real undo services over a test database (undo window 14 days unless overridden). */
export function undoDeps(db: { repositories: Repositories }, overrides: Partial<UndoDeps> = {}): UndoDeps {
  return { ...bulkDeps(db), undoWindowDays: 14, ...overrides };
}

/** Reclaim settings as the config's defaults give them, with `overrides`. */
export function reclaimSettings(overrides: Partial<ReclaimSettings> = {}): ReclaimSettings {
  return {
    idleDays: 60,
    askFirst: false,
    graceDays: 7,
    cooldownDays: 90,
    excludeGroups: [],
    excludeEmails: [],
    seatPrices: new Map(),
    ...overrides,
  };
}

/** Real reclaim services over a test database. */
export function reclaimDeps(db: { repositories: Repositories }, overrides: Partial<ReclaimDeps> = {}): ReclaimDeps {
  const { reclaim, usage, notices } = db.repositories;
  return { ...bulkDeps(db), reclaim, usage, notices, reclaimSettings: reclaimSettings(), ...overrides };
}
