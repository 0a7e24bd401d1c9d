import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileTarget, LearnerSnapshot, SyncLicenseType } from '../../licensing/sync/ports.js';
import { errorParts, OrgSyncDeliveryError } from './delivery-error.js';
import { orgSyncCsvChunks, orgSyncHeader } from './orgsync-csv.js';
import { describeRemote, parseSftpUrl, type SftpRemote, uploadOverSftp } from './sftp-upload.js';

export { OrgSyncDeliveryError, type OrgSyncDeliveryFailure } from './delivery-error.js';

/** Files go to a local (or mounted) folder; `./orgsync` under the working folder when unset. */
export interface OrgSyncFolderSettings {
  dir?: string;
}

/** Files go over SFTP: `sftp://user@host:port/remote/dir` (`/~/dir` = relative to the login folder). */
export interface OrgSyncSftpSettings {
  sftpUrl: string;
  privateKeyFile?: string;
  password?: string;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; when set, any other host key is refused. */
  hostKeyFingerprint?: string;
  /** Connection and login deadline; 20 s by default. */
  timeoutMs?: number;
}

/** Where Org Sync files go, and how their columns and names are made. */
export type OrgSyncTargetSettings = (OrgSyncFolderSettings | OrgSyncSftpSettings) & {
  /** `ORGSYNC_BUDGET_GROUP`: license columns become `<group>_license_<type>_status`. */
  budgetGroup?: string;
  /** Put before every delivered file's name (`acme_` → `acme_users.csv`). */
  filePrefix?: string;
};

const DEFAULT_DIR = 'orgsync';
const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * The `orgsync` FileTarget: streams the users CSV to `.<name>.partial` in a folder or over SFTP
 * and renames it to `<filePrefix><name>` only once complete, so the platform never reads half a
 * file. Failures reject with an OrgSyncDeliveryError (or the rows' own error) and leave no file.
 */
export function createOrgSyncTarget(settings: OrgSyncTargetSettings): FileTarget {
  const columns = settings.budgetGroup ? { budgetGroup: settings.budgetGroup } : {};
  const prefix = settings.filePrefix ?? '';
  if (prefix) checkName(prefix, 'The Org Sync file prefix');
  const upload = 'sftpUrl' in settings ? sftpUploader(settings) : folderUploader(settings);
  return {
    kind: 'orgsync',
    describe: () => upload.description,
    async deliver({ name, licenseTypes, rows }) {
      const finalName = `${prefix}${name}`;
      checkName(finalName, 'The Org Sync file name');
      // Column problems (two types in one column) are found before anything is written.
      orgSyncHeader(licenseTypes, columns);
      const source = countedSource(rows, licenseTypes, columns);
      try {
        await upload.put(`.${finalName}.partial`, finalName, source.stream);
      } catch (error) {
        // A failing row source (the database, say) is the cause; the transport error only follows it.
        throw source.failure() ?? error;
      }
      return { name: finalName, rows: source.rows() };
    },
  };
}

interface Uploader {
  description: string;
  put(tempName: string, name: string, content: () => Readable): Promise<void>;
}

function sftpUploader(settings: OrgSyncSftpSettings): Uploader {
  const url = parseSftpUrl(settings.sftpUrl);
  const password = settings.password ?? url.password;
  if (!settings.privateKeyFile && !password) {
    throw new OrgSyncDeliveryError('orgsync_bad_settings', 'Org Sync over SFTP needs a private key file or a password.');
  }
  const remote: SftpRemote = {
    host: url.host,
    port: url.port,
    username: url.username,
    dir: url.dir,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(settings.privateKeyFile ? { privateKeyFile: settings.privateKeyFile } : {}),
    ...(password ? { password } : {}),
    ...(settings.hostKeyFingerprint ? { hostKeyFingerprint: settings.hostKeyFingerprint } : {}),
  };
  return {
    description: `Org Sync files over SFTP to ${describeRemote(remote)}`,
    put: (tempName, name, content) => uploadOverSftp(remote, tempName, name, content),
  };
}

function folderUploader(settings: OrgSyncFolderSettings): Uploader {
  const dir = path.resolve(settings.dir ?? DEFAULT_DIR);
  return {
    description: `Org Sync files to the folder ${dir}`,
    async put(tempName, name, content) {
      // Only the default folder is created: a configured one that is missing is a wrong path or an unmounted share.
      if (settings.dir === undefined) await mkdir(dir, { recursive: true });
      const info = await stat(dir).catch((error: unknown) => {
        throw folderError(error, dir);
      });
      if (!info.isDirectory()) throw new OrgSyncDeliveryError('orgsync_no_such_folder', `${dir} is not a folder.`);
      const temp = path.join(dir, tempName);
      try {
        await pipeline(content(), createWriteStream(temp));
        // On disk before the rename, so a crash cannot leave a complete name over incomplete data.
        const handle = await open(temp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, path.join(dir, name));
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw folderError(error, dir);
      }
    },
  };
}

function folderError(error: unknown, dir: string): OrgSyncDeliveryError {
  if (error instanceof OrgSyncDeliveryError) return error;
  const { code, message } = errorParts(error);
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new OrgSyncDeliveryError('orgsync_no_such_folder', `The folder ${dir} does not exist.`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new OrgSyncDeliveryError('orgsync_permission_denied', `Permission denied writing to the folder ${dir}.`);
  }
  return new OrgSyncDeliveryError('orgsync_failed', `The Org Sync file could not be written to ${dir}: ${message}`);
}

// A name is one plain file in the folder: no path tricks, and not a dot file (those are our partials).
function checkName(name: string, what: string): void {
  if (!/^[^/\\\0]+$/.test(name) || name.startsWith('.')) {
    throw new OrgSyncDeliveryError(
      'orgsync_bad_settings',
      `${what} "${name}" must be a plain file name (no folders, not starting with a dot).`,
    );
  }
}

/** The CSV as a stream made on demand, counting rows and remembering the rows' own failure. */
function countedSource(rows: AsyncIterable<LearnerSnapshot>, licenseTypes: readonly SyncLicenseType[], columns: { budgetGroup?: string }) {
  let count = 0;
  let failure: unknown;
  const guarded = (async function* () {
    try {
      yield* rows;
    } catch (error) {
      failure = error;
      throw error;
    }
  })();
  return {
    stream: () =>
      Readable.from(
        orgSyncCsvChunks(guarded, licenseTypes, {
          ...columns,
          onRow: () => {
            count += 1;
          },
        }),
        { objectMode: false },
      ),
    rows: () => count,
    failure: () => failure,
  };
}
