import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A real OpenSSH sshd on 127.0.0.1 for SFTP tests: its own config, host key and authorized key in
 * a temp folder, `internal-sftp`, key login only, as the user running the tests. A fake SFTP
 * server would agree with our client about everything; OpenSSH is what customers run.
 */
export interface SftpTestServer {
  /** `sftp://<user>@127.0.0.1:<port><root>`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The private key the server accepts. */
  readonly privateKeyFile: string;
  /** The served folder (an absolute path on this machine, empty at start). */
  readonly root: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). */
  readonly hostKeyFingerprint: string;
  /** sshd's log (connections, refused logins), for failure messages. */
  readonly logFile: string;
  /** Stops sshd and removes the temp folder. */
  stop(): Promise<void>;
}

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'];
const INSTALL_HINT =
  'Install OpenSSH server: run .ci/install-packages (it runs `apt-get install -y --no-install-recommends openssh-server` on Debian/Ubuntu), then rerun the tests.';

/** The sshd binary, or undefined when OpenSSH server is not installed. */
export function sshdAvailable(): string | undefined {
  return SSHD_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Makes an unencrypted ed25519 key pair `<dir>/<name>` (+ `.pub`) with ssh-keygen. */
export function makeKeyPair(dir: string, name: string): { privateKeyFile: string; publicKey: string } {
  const privateKeyFile = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `license-bot-test-${name}`, '-f', privateKeyFile], { stdio: 'pipe' });
  return { privateKeyFile, publicKey: readFileSync(`${privateKeyFile}.pub`, 'utf8').trim() };
}

/**
 * Starts sshd in the foreground on a free port and resolves once it greets with its SSH banner.
 * Rejects with installation advice when sshd is missing: tests that need it must fail, not skip.
 */
export async function startSftpServer(): Promise<SftpTestServer> {
  const sshd = sshdAvailable();
  if (!sshd)
    throw new Error(`The SFTP tests need a real OpenSSH sshd, and none was found at ${SSHD_CANDIDATES.join(' or ')}. ${INSTALL_HINT}`);
  const base = mkdtempSync(path.join(tmpdir(), 'sftp-test-'));
  try {
    const root = path.join(base, 'served');
    mkdirSync(root);
    const hostKey = makeKeyPair(base, 'ssh_host_ed25519_key');
    const client = makeKeyPair(base, 'client_key');
    const authorizedKeys = path.join(base, 'authorized_keys');
    writeFileSync(authorizedKeys, `${client.publicKey}\n`, { mode: 0o600 });
    const hostKeyFingerprint =
      execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey.privateKeyFile}.pub`], { encoding: 'utf8' }).split(' ')[1] ?? '';
    const username = userInfo().username;
    const asRoot = process.getuid?.() === 0;
    // As root sshd separates privileges into /run/sshd (the Debian service makes it at boot; a
    // container never booted it). Not as root, sshd runs unprivileged and can only serve that user.
    if (asRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const logFile = path.join(base, 'sshd.log');
    const config = path.join(base, 'sshd_config');
    // A port taken between probing and sshd's bind is retried with another one.
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      writeFileSync(
        config,
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${hostKey.privateKeyFile}`,
          `PidFile ${path.join(base, 'sshd.pid')}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          `AllowUsers ${username}`,
          'AuthenticationMethods publickey',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          // The temp folder's modes are not sshd's business here.
          'StrictModes no',
          ...(asRoot ? ['PermitRootLogin prohibit-password'] : []),
          'Subsystem sftp internal-sftp',
          'LogLevel VERBOSE',
          'PrintMotd no',
          'UseDNS no',
          '',
        ].join('\n'),
      );
      const log = openSync(logFile, 'a');
      const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', log, log] });
      closeSync(log);
      const started = await waitForBanner(port, child, 10_000);
      if (started === 'ready') {
        return {
          url: `sftp://${username}@127.0.0.1:${port}${root}`,
          host: '127.0.0.1',
          port,
          username,
          privateKeyFile: client.privateKeyFile,
          root,
          hostKeyFingerprint,
          logFile,
          stop: async () => {
            await stopChild(child);
            rmSync(base, { recursive: true, force: true });
          },
        };
      }
      await stopChild(child);
      const logText = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (attempt < 3 && /address already in use/i.test(logText)) continue;
      throw new Error(`sshd did not start (${started}). Its log:\n${logText.trim() || '(empty)'}`);
    }
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Accepting a TCP connection is not enough: the banner says sshd is past its config and key checks.
async function waitForBanner(port: number, child: ChildProcess, timeoutMs: number): Promise<'ready' | string> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) return exited;
    if (await greets(port)) return 'ready';
    await sleep(50);
  }
  return exited ?? `no SSH banner on port ${port} within ${timeoutMs / 1000} s`;
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // sshd exits at once on SIGTERM; the timeout only guards against a wedged process.
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
