/**
 * Configuration fixtures for the `--config` tests: Debian and RHEL layouts under
 * `test/fixtures/config/<case>/etc/…`, staged into a temporary directory with certificates from the
 * test PKI, read with `--map-path /etc=<stage>/etc` (so they name their real paths, `/etc/nginx/…`),
 * and — where root, `unshare` and the servers are present — run by the real nginx/Apache at their
 * real paths in a private mount namespace (overlays on /etc and /var; nothing on the machine changes).
 *
 * The saved dumps in `test/fixtures/config/<case>/dumps/` are the real output of those runs;
 * `STAPLING_CAPTURE_CONFIG=1` rewrites them (see test/inspect-config-layouts.test.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createPathMap } from '../../src/inspect/paths.js';
import type { PathMap } from '../../src/inspect/paths.js';
import { createPki, type Pki } from '../servers/pki.js';
import { ROOT } from './cli.js';
import { describeIfPresent, type Needs } from './prerequisites.js';

/** Where the fixture trees are. */
export const CONFIG_FIXTURES = path.join(ROOT, 'test/fixtures/config');

/** The PKI of the configuration tests: two leaves for the same name (different serials) and one for the RHEL shop. */
export function createConfigPki(dir: string): Promise<Pki> {
  return createPki(dir, [
    { name: 'shared', ocspUrl: 'http://127.0.0.1:9/', status: 'good' },
    { name: 'other', ocspUrl: 'http://127.0.0.1:9/', status: 'good' },
    { name: 'shop', ocspUrl: 'http://ocsp.rhel.example/', status: 'good' },
  ]);
}

/** The certificate files the fixtures name, under `etc/`, and where in the PKI each comes from. */
const CERT_FILES: Record<string, (p: Pki) => string> = {
  'ssl/stapling-doctor/shared.pem': (p) => p.leaves.shared!.cert,
  'ssl/stapling-doctor/shared.key': (p) => p.leaves.shared!.key,
  'ssl/stapling-doctor/issuer-chain.pem': (p) => p.issuerChain,
  'ssl/stapling-doctor/foreign-ca.pem': (p) => p.foreignRoot.cert,
  'pki/tls/certs/localhost.crt': (p) => p.leaves.other!.fullchain,
  'pki/tls/private/localhost.key': (p) => p.leaves.other!.key,
  'pki/tls/certs/shop.crt': (p) => p.leaves.shop!.cert,
  'pki/tls/private/shop.key': (p) => p.leaves.shop!.key,
  'pki/tls/certs/shop-chain.pem': (p) => p.inter.cert,
};

/** A fixture copied into a temporary directory. */
export interface StagedConfig {
  /** The stage: `<root>/etc/…` mirrors `/etc/…`. */
  root: string;
  /** `/etc=<root>/etc`. */
  paths: PathMap;
  /** The `--map-path` argument for the CLI. */
  mapArg: string;
}

/** Copy fixture `name` to `dest` (symbolic links kept) with the certificate files it names. */
export function stageFixture(name: string, dest: string, pki: Pki): StagedConfig {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(path.join(CONFIG_FIXTURES, name, 'etc'), path.join(dest, 'etc'), { recursive: true, verbatimSymlinks: true });
  for (const [rel, from] of Object.entries(CERT_FILES)) {
    const to = path.join(dest, 'etc', rel);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from(pki), to);
  }
  return { root: dest, paths: createPathMap([`/etc=${path.join(dest, 'etc')}`]), mapArg: `/etc=${path.join(dest, 'etc')}` };
}

/**
 * What the real-server parts of the `--config` tests need: nginx and Apache's `apache2ctl` (they run
 * `nginx -t`, `apache2ctl -t`, `-D DUMP_INCLUDES`), and root with `unshare` for a private mount namespace.
 */
export const CONFIG_SERVER_NEEDS: Needs = {
  suite: 'real-server parts of the --config tests (nginx -t, apache2ctl -t on the fixtures)',
  run: 'npm run build && node --experimental-vm-modules node_modules/jest/bin/jest.js test/inspect-config',
  executables: [
    { name: 'nginx', package: 'nginx-light' },
    { name: 'apache2ctl', package: 'apache2' },
    { name: 'unshare', package: 'util-linux' },
  ],
  root: 'the fixtures are mounted over /etc in a private mount namespace',
};

/**
 * `describe` for the real-server parts: runs them when everything is there; else, through
 * {@link describeIfPresent}, skips them with ONE loud line saying what is missing and how to run them,
 * or fails when `.ci/run`'s STAPLING_DOCTOR_REQUIRE_REAL is set (as every real-part suite does).
 */
export function describeWithRealServers(title: string, body: () => void): void {
  describeIfPresent(CONFIG_SERVER_NEEDS)(title, body);
}

const NAMESPACE_SCRIPT = `set -e
R="$1"; shift
ov() { mkdir -p "$R/ov/$1/u" "$R/ov/$1/w"; mount -t overlay overlay -o "lowerdir=/$1,upperdir=$R/ov/$1/u,workdir=$R/ov/$1/w" "/$1"; }
ov etc; ov var
for m in nginx apache2 httpd ssl/stapling-doctor pki; do
  if [ -d "$R/etc/$m" ]; then mkdir -p "/etc/$m"; mount --bind "$R/etc/$m" "/etc/$m"; fi
done
exec "$@"`;

/** The output of a command run in the namespace. */
export interface NamespaceRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `argv` in a private mount namespace where the stage's trees are at their real paths
 * (`/etc/nginx`, `/etc/apache2`, `/etc/httpd`, `/etc/pki`, `/etc/ssl/stapling-doctor`), over overlays
 * of /etc and /var (so writes stay in the stage). Killed after `timeoutMs`.
 */
export function inNamespace(stage: StagedConfig, argv: string[], timeoutMs = 20_000): Promise<NamespaceRun> {
  const args = ['--mount', '--propagation', 'private', '--', 'sh', '-c', NAMESPACE_SCRIPT, 'sh', stage.root, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
