import type { BulkDeps } from './bulk/ports.js';
import type { HomeDeps } from './home/ports.js';
import type { NoticeDeps } from './notices/ports.js';
import type { SelfServiceDeps } from './self-service/ports.js';
import type { SyncDeps } from './sync/ports.js';

/**
 * Everything the edges (Slack, jobs, CLI) hand the use cases: the union of every feature's deps.
 * Only the composition root builds it; features depend on their own deps type, never on this one.
 */
export type AppServices = BulkDeps & SyncDeps & NoticeDeps & SelfServiceDeps & HomeDeps;
