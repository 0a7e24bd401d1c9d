import type { BulkDeps } from './bulk/ports.js';
import type { HomeDeps } from './home/ports.js';
import type { NoticeDeps } from './notices/ports.js';
import type { PolicyDeps } from './policy/ports.js';
import type { ReclaimDeps } from './reclaim/ports.js';
import type { ReportDeps } from './report/ports.js';
import type { ScheduleDeps } from './schedule/ports.js';
import type { SelfServiceDeps } from './self-service/ports.js';
import type { SyncDeps } from './sync/ports.js';
import type { UndoDeps } from './undo/ports.js';
import type { UsageDeps } from './usage/ports.js';

/**
 * Everything the edges (Slack, jobs, CLI) hand the use cases: the union of every feature's deps.
 * Only the composition root builds it; features depend on their own deps type, never on this one.
 */
export type AppServices = BulkDeps &
  SyncDeps &
  UsageDeps &
  ReclaimDeps &
  UndoDeps &
  ReportDeps &
  ScheduleDeps &
  PolicyDeps &
  NoticeDeps &
  SelfServiceDeps &
  HomeDeps;
