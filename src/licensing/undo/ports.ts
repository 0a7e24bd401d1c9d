import type { BulkDeps } from '../bulk/ports.js';

/** What undo needs on top of the bulk machinery. */
export interface UndoDeps extends BulkDeps {
  /** A job (or single change) can be undone for this many days after it ended (UNDO_WINDOW_DAYS); 0 turns undo off. */
  undoWindowDays: number;
}
