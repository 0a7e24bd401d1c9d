import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import { errorParts, OrgSyncDeliveryError } from './delivery-error.js';

/** Where and how to log in, read from `sftp://user@host:port/remote/dir` and the settings. */
export interface SftpRemote {
  host: string;
  port: number;
  username: string;
  /** The remote folder: absolute, or relative to the login folder when the URL says `/~/dir`. */
  dir: string;
  privateKeyFile?: string;
  password?: string;
  /** OpenSSH's `SHA256:<base64>` of the server's host key; unset → any host key is accepted. */
  hostKeyFingerprint?: string;
  /** How long the connection and login may take. */
  timeoutMs: number;
}

/** The URL for people: no password, the port always shown. */
export function describeRemote(remote: SftpRemote): string {
  const dir = remote.dir.startsWith('/') ? remote.dir : `/~/${remote.dir === '.' ? '' : remote.dir}`;
  return `sftp://${remote.username}@${remote.host}:${remote.port}${dir}`;
}

/** Reads `sftp://user@host[:port][/dir]`; a malformed URL is refused with a sentence. */
export function parseSftpUrl(url: string): Pick<SftpRemote, 'host' | 'port' | 'username' | 'dir'> & { password?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OrgSyncDeliveryError('orgsync_bad_settings', 'The Org Sync SFTP URL is not a URL; expected sftp://user@host:port/folder.');
  }
  if (parsed.protocol !== 'sftp:') throw new OrgSyncDeliveryError('orgsync_bad_settings', 'The Org Sync SFTP URL must start with sftp://.');
  if (!parsed.username)
    throw new OrgSyncDeliveryError('orgsync_bad_settings', 'The Org Sync SFTP URL names no user; expected sftp://user@host:port/folder.');
  if (!parsed.hostname) throw new OrgSyncDeliveryError('orgsync_bad_settings', 'The Org Sync SFTP URL names no host.');
  const path = decodeURIComponent(parsed.pathname);
  // The sftp URI draft's convention: /~/dir is relative to the login folder, anything else is absolute.
  const home = path === '' || path === '/~' || path.startsWith('/~/');
  const trimmed = home ? path.replace(/^\/~\/?/, '').replace(/\/+$/, '') || '.' : posix.normalize(path).replace(/(.)\/+$/, '$1');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 22,
    username: decodeURIComponent(parsed.username),
    dir: trimmed,
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/**
 * Uploads `content` to `<dir>/<tempName>`, then renames it to `<dir>/<name>` (atomically, with
 * OpenSSH's posix-rename, where the server has it). On failure the temporary file is removed and
 * the error is an OrgSyncDeliveryError; the connection is closed in every case.
 */
export async function uploadOverSftp(remote: SftpRemote, tempName: string, name: string, content: () => Readable): Promise<void> {
  const where = `${remote.host}:${remote.port}`;
  // The library's default listeners print to the console; failures reach us through its promises.
  const client = new SftpClient('orgsync', { error: () => undefined, end: () => undefined, close: () => undefined });
  const temp = posix.join(remote.dir, tempName);
  const final = posix.join(remote.dir, name);
  let presented: string | undefined;
  let sock: Socket | undefined;
  try {
    const privateKey = remote.privateKeyFile ? await readKey(remote.privateKeyFile) : undefined;
    // Our own socket, for Nagle off: ssh2 waits for each SFTP write's ack, and with Nagle on every
    // small trailing packet waits for a delayed ACK (a 9 MB file took 7 s instead of 0.2 s here).
    sock = new Socket().setNoDelay(true);
    sock.connect({ host: remote.host, port: remote.port });
    try {
      await client.connect({
        sock,
        host: remote.host,
        port: remote.port,
        username: remote.username,
        readyTimeout: remote.timeoutMs,
        ...(privateKey ? { privateKey } : {}),
        ...(remote.password ? { password: remote.password } : {}),
        ...(remote.hostKeyFingerprint
          ? {
              hostVerifier: (key: Buffer) => {
                presented = fingerprintOf(key);
                return sameFingerprint(presented, remote.hostKeyFingerprint ?? '');
              },
            }
          : {}),
      });
    } catch (error) {
      throw connectError(error, remote, where, presented);
    }
    // Checked first because an upload into a missing folder fails with a vaguer status.
    const kind = await client.exists(remote.dir).catch((error: unknown) => {
      throw fileError(error, remote, where);
    });
    if (kind !== 'd') throw new OrgSyncDeliveryError('orgsync_no_such_folder', `The folder ${remote.dir} does not exist on ${where}.`);
    try {
      await client.put(content(), temp);
      await renameOver(client, temp, final);
    } catch (error) {
      // Best effort: the platform ignores dot files, but a stale partial still confuses people.
      await client.delete(temp, true).catch(() => undefined);
      throw fileError(error, remote, where);
    }
  } finally {
    await client.end().catch(() => undefined);
    sock?.destroy();
  }
}

async function readKey(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const { code } = errorParts(error);
    throw new OrgSyncDeliveryError(
      'orgsync_bad_settings',
      `The SFTP private key file ${file} cannot be read (${String(code ?? 'unreadable')}).`,
    );
  }
}

// posix-rename replaces an existing file in one step; plain SFTP rename refuses to, so without
// the extension the old file goes first (the platform may then briefly see no file, never half a one).
async function renameOver(client: SftpClient, from: string, to: string): Promise<void> {
  try {
    await client.posixRename(from, to);
  } catch (error) {
    if (!/does not support/i.test(errorParts(error).message)) throw error;
    await client.delete(to, true);
    await client.rename(from, to);
  }
}

/** OpenSSH's fingerprint of a host key blob: `SHA256:` and unpadded base64 of its SHA-256. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function sameFingerprint(presented: string, expected: string): boolean {
  const bare = (value: string) =>
    value
      .trim()
      .replace(/^SHA256:/i, '')
      .replace(/=+$/, '');
  return bare(presented) === bare(expected);
}

function connectError(error: unknown, remote: SftpRemote, where: string, presented: string | undefined): OrgSyncDeliveryError {
  const { code, message } = errorParts(error);
  if (/host denied/i.test(message)) {
    return new OrgSyncDeliveryError(
      'orgsync_host_key_mismatch',
      `The SFTP server ${where} presented a host key (${presented ?? 'unknown'}) that is not the configured fingerprint; refusing to log in.`,
    );
  }
  if (/authentication methods failed|authentication failed/i.test(message)) {
    return new OrgSyncDeliveryError(
      'orgsync_auth_failed',
      `The SFTP server ${where} refused the login of ${remote.username}: check the private key or password.`,
    );
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ETIMEDOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
  };
  const reason =
    (typeof code === 'string' ? reasons[code] : undefined) ??
    (/timed out/i.test(message) ? `no answer within ${Math.round(remote.timeoutMs / 1000)} s` : message.replace(/^[\w.]+:\s*/, ''));
  return new OrgSyncDeliveryError('orgsync_unreachable', `Could not connect to the SFTP server ${where} (${reason}).`);
}

// ssh2 reports SFTP statuses as numbers: 2 no such file, 3 permission denied.
function fileError(error: unknown, remote: SftpRemote, where: string): OrgSyncDeliveryError {
  if (error instanceof OrgSyncDeliveryError) return error;
  const { code, message } = errorParts(error);
  if (code === 3 || code === 'EACCES' || /permission denied/i.test(message)) {
    return new OrgSyncDeliveryError('orgsync_permission_denied', `Permission denied writing to ${remote.dir} on ${where}.`);
  }
  if (code === 2 || code === 'ENOENT' || /no such file/i.test(message)) {
    return new OrgSyncDeliveryError('orgsync_no_such_folder', `The folder ${remote.dir} does not exist on ${where}.`);
  }
  if (/not connected|unexpected (end|close)|ECONNRESET/i.test(message)) {
    return new OrgSyncDeliveryError('orgsync_unreachable', `The connection to the SFTP server ${where} was lost during the upload.`);
  }
  return new OrgSyncDeliveryError(
    'orgsync_failed',
    `The Org Sync upload to ${describeRemote(remote)} failed: ${message.replace(/^[\w.>-]+:\s*/, '')}.`,
  );
}
