import type { Repositories } from '../../src/db/index.js';
import type { SyncDeps, SyncSettings } from '../../src/licensing/sync/ports.js';
import { licensingDeps } from './fixtures.js';

/** Real sync services over a test database, syncing to SCIM unless told otherwise. */
export function syncDeps(
  db: { repositories: Repositories },
  overrides: Partial<SyncDeps> & { sync?: Partial<SyncSettings> } = {},
): SyncDeps {
  const { syncStates, syncControl, imports, exports } = db.repositories;
  const { sync, ...rest } = overrides;
  return {
    ...licensingDeps(db),
    syncStates,
    syncControl,
    imports,
    exports,
    syncChanges: true,
    ...rest,
    sync: { target: 'scim', description: 'SCIM at the test server', fileMode: 'delta', activeMeansLicensed: true, ...sync },
  };
}
