/**
 * nginx staples only the certificates it loads with the configuration (`ngx_ssl_stapling()` walks the
 * SSL_CTX's certificates; one loaded per handshake has no staple for `ngx_ssl_certificate_status_callback()`
 * to find). With a variable in `ssl_certificate` (nginx 1.15.9+) every certificate of the block is loaded
 * per handshake, so `ssl_stapling on` staples nothing, and nginx logs nothing about it: `check` predicts it
 * (`stapling-config-invalid`, rule `check-stapling-variable-certificate`). The same certificate named
 * without the variable is stapled by the same nginx from the same responder, so the handshakes can tell.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FindingData } from '../../src/types.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { describeIfPresent } from '../helpers/prerequisites.js';
import { d } from './config.js';
import { handshakes, type HandshakeResult } from './handshake.js';
import { NGINX_BIN, nginxCommand, nginxLayout, writeNginxConfig } from './nginx.js';
import { createPki, TEST_HOST, type Pki } from './pki.js';
import { freePort, isListening, startProcess, stopProcess, waitFor, type Proc } from './proc.js';
import { openResponder } from './responders.js';

const suite = describeIfPresent({
  suite: 'nginx variable-certificate test (test/servers/nginx-variable-certificate.test.ts)',
  run: 'npm run test:servers',
  executables: [
    { name: 'nginx', path: NGINX_BIN, package: 'nginx-light' },
    { name: 'openssl', package: 'openssl' },
  ],
  root: 'nginx switches its workers to User nobody',
});

suite('nginx with a variable in ssl_certificate', () => {
  const lab = tempDir('sd-nginx-variable-');
  let pki: Pki;
  let responder: Proc;

  beforeAll(async () => {
    const port = await freePort();
    pki = await createPki(path.join(lab.dir, 'pki'), [{ name: 'variable', ocspUrl: `http://127.0.0.1:${port}/`, status: 'good' }]);
    const ca = pki.ocspSigner;
    responder = await openResponder(
      'ocsp-ca',
      port,
      ['-index', pki.index, '-rsigner', ca.cert, '-rkey', ca.key, '-CA', pki.inter.cert],
      lab.dir,
    );
    // nginx's workers (nobody) read a certificate loaded per handshake: the lab and the pair must be readable.
    fs.chmodSync(lab.dir, 0o755);
    const certs = path.join(lab.dir, 'certs');
    fs.mkdirSync(certs, { mode: 0o755 });
    fs.copyFileSync(pki.leaves.variable!.fullchain, path.join(certs, `${TEST_HOST}.crt`));
    fs.copyFileSync(pki.leaves.variable!.key, path.join(certs, `${TEST_HOST}.key`));
    for (const f of fs.readdirSync(certs)) fs.chmodSync(path.join(certs, f), 0o644);
  }, 60_000);

  afterAll(async () => {
    await stopProcess(responder);
    lab.cleanup();
  });

  /** Serve the pair under `name` ({@link TEST_HOST} or `$ssl_server_name`), handshake until a good staple (at most 4 rounds 1 s apart), stop. */
  async function serve(name: string): Promise<{ config: string; seen: HandshakeResult[] }> {
    const layout = nginxLayout(path.join(lab.dir, name === TEST_HOST ? 'written' : 'variable'));
    const port = await freePort();
    const certs = path.join(lab.dir, 'certs');
    writeNginxConfig(layout, port, {
      server: 'nginx',
      http: [d('ssl_stapling', 'on')],
      server_: [d('ssl_certificate', `${certs}/${name}.crt`), d('ssl_certificate_key', `${certs}/${name}.key`)],
    });
    const { cmd, args } = nginxCommand(layout);
    const nginx = startProcess(`nginx-${path.basename(layout.dir)}`, cmd, args);
    try {
      if (!(await waitFor(() => isListening(port), 10_000, 100))) throw new Error(`nginx did not listen on ${port}:\n${nginx.stderr()}`);
      return { config: layout.configFile, seen: await handshakes(port, pki.root.cert, { count: 4, pauseMs: 1_000, untilGood: true }) };
    } finally {
      await stopProcess(nginx);
    }
  }

  test('the path written out: stapled, good (the handshakes can see a staple)', async () => {
    const { seen } = await serve(TEST_HOST);
    expect(seen.at(-1)).toMatchObject({ completed: true, stapled: true, certStatus: 'good' });
  }, 60_000);

  test('$ssl_server_name in the path: every handshake completes, none is stapled; check predicts it', async () => {
    const { config, seen } = await serve('$ssl_server_name');
    expect(seen.map((h) => [h.completed, h.stapled])).toEqual(seen.map(() => [true, false]));
    expect(seen).toHaveLength(4);
    const r = runCli(['check', '--config', config, '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { findings: FindingData[] }).findings;
    expect(findings.map((f) => [f.cause, f.ruleIds, f.data.detail])).toEqual([
      ['stapling-config-invalid', ['check-stapling-variable-certificate'], 'variable-certificate'],
    ]);
  }, 60_000);
});
