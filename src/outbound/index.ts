import type { SyncConfig } from '../config.js';
import type { DirectorySource, FileTarget, PushTarget, SyncSettings } from '../licensing/sync/ports.js';
import { createOrgSyncTarget } from './orgsync/orgsync-target.js';
import { createScimTarget } from './scim/scim-target.js';
import { createWebhookTarget } from './webhook/webhook-target.js';

/** The adapters of one sync target; the jobs use whichever is set. */
export interface SyncAdapterSet {
  push?: PushTarget;
  file?: FileTarget;
  directory?: DirectorySource;
}

/** Builds the adapters SYNC_TARGET names, from validated config. */
export function createSyncAdapters(config: SyncConfig): SyncAdapterSet {
  switch (config.target) {
    case 'none':
      return {};
    case 'webhook':
      return { push: createWebhookTarget({ url: config.webhook.url, secret: config.webhook.secret }) };
    case 'orgsync': {
      const { sftp, dir, budgetGroup } = config.orgsync;
      const where = sftp
        ? {
            sftpUrl: sftp.url,
            ...(sftp.keyFile ? { privateKeyFile: sftp.keyFile } : {}),
            ...(sftp.password ? { password: sftp.password } : {}),
            ...(sftp.hostFingerprint ? { hostKeyFingerprint: sftp.hostFingerprint } : {}),
          }
        : { ...(dir ? { dir } : {}) };
      return { file: createOrgSyncTarget({ ...where, ...(budgetGroup ? { budgetGroup } : {}) }) };
    }
    case 'scim': {
      // One adapter serves both directions: changes out, the directory in.
      const scim = createScimTarget(config.scim);
      return { push: scim, directory: scim };
    }
  }
}

/** The settings the sync services read, with the target described for people (never a secret). */
export function syncSettingsOf(config: SyncConfig, adapters: SyncAdapterSet): SyncSettings {
  const description = adapters.push?.describe() ?? adapters.file?.describe() ?? 'nothing (SYNC_TARGET=none)';
  return {
    target: config.target,
    description,
    fileMode: config.target === 'orgsync' ? config.orgsync.mode : 'delta',
    activeMeansLicensed: config.target === 'scim' && config.scim.revokeAll === 'deactivate',
  };
}
