/**
 * Name resolution for the servers under test, without touching the machine's own files.
 *
 * Each Apache/nginx instance runs in its own mount namespace (`unshare --mount`, needs root) in which
 * the harness's `hosts` and `resolv.conf` are bind-mounted over `/etc/hosts` and `/etc/resolv.conf`.
 * Inside, `/etc/hosts` knows `localhost` and the "hosts-only" responder name, and the only name server
 * is the harness's dnsmasq on 127.0.0.1:53. So a responder name can resolve "only via /etc/hosts",
 * an unknown name gets a real NXDOMAIN, and no lookup ever leaves the loopback interface. The real
 * `/etc/hosts` and `/etc/resolv.conf` are never edited, so nothing needs restoring after a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from './proc.js';

/** The responder name that only the sandbox's /etc/hosts knows (the site DNS says NXDOMAIN). */
export const HOSTS_ONLY_NAME = 'ocsp.stapling.test';
/** A responder name that resolves nowhere (NXDOMAIN from the site DNS). */
export const NXDOMAIN_NAME = 'retired-ocsp.stapling.test';
/** The domain the harness's DNS servers are authoritative for. */
export const TEST_DOMAIN = 'stapling.test';

/** The sandbox files and the command wrapper that puts them in place for one process. */
export interface Sandbox {
  hostsFile: string;
  resolvConf: string;
  /**
   * Wrap a command so that it runs in a fresh mount namespace with the sandbox files in place.
   * @returns the command and arguments to spawn instead (the wrapped command is `exec`ed, so it keeps
   *   the wrapper's pid).
   */
  wrap(cmd: string, args: string[]): { cmd: string; args: string[] };
}

const SCRIPT = 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"';

/**
 * Write the sandbox files into `dir` and check that a mount namespace can be made.
 * @param nameServer the address (port 53) of the site DNS server
 * @throws when `unshare --mount` does not work (not root, or no namespace support), with a hint.
 */
export async function createSandbox(dir: string, nameServer = '127.0.0.1'): Promise<Sandbox> {
  fs.mkdirSync(dir, { recursive: true });
  const hostsFile = path.join(dir, 'hosts');
  const resolvConf = path.join(dir, 'resolv.conf');
  fs.writeFileSync(hostsFile, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t${HOSTS_ONLY_NAME}\n`);
  fs.writeFileSync(
    resolvConf,
    `# stapling-doctor server tests: the harness's dnsmasq\nnameserver ${nameServer}\noptions timeout:2 attempts:1\n`,
  );
  const sandbox: Sandbox = {
    hostsFile,
    resolvConf,
    wrap: (cmd, args) => ({
      cmd: 'unshare',
      args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', SCRIPT, 'sh', hostsFile, resolvConf, cmd, ...args],
    }),
  };
  const probe = sandbox.wrap('cat', ['/etc/hosts']);
  const r = await run(probe.cmd, probe.args).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  if (r.code !== 0 || !r.stdout.includes(HOSTS_ONLY_NAME)) {
    throw new Error(
      `The server tests need a private mount namespace (unshare --mount, as root) to give the servers their own /etc/hosts and /etc/resolv.conf; it failed:\n${r.stderr}`,
    );
  }
  return sandbox;
}
