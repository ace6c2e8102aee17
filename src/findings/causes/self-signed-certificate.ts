/**
 * `self-signed-certificate`: the certificate is its own issuer, so no CA responder exists.
 * Sources: Apache AH02217 with subject = issuer (modules/ssl/ssl_util_stapling.c); nginx's "issuer
 * certificate not found" for a self-signed file, told apart by `--inspect` (catalogue §3.1).
 */
import { luaStaplingOff, staplingOff, type CauseModule } from './kit.js';

export const selfSignedCertificate: CauseModule = {
  id: 'self-signed-certificate',
  title: 'Self-signed certificate',
  meaning: 'The certificate is its own issuer: there is no CA and no OCSP responder, so it can never be stapled.',
  brief: {
    apache: '`SSLUseStapling off` in that virtual host.',
    nginx: '`ssl_stapling off;` in that server block.',
    gnutls: '`GnuTLSOCSPStapling off` in that virtual host.',
    lua: 'Nothing to staple: the script\'s own switch (ingress-nginx `enable-ocsp: "false"`, APISIX `"ocsp_stapling": {"enabled": false}`).',
  },
  captured: 'Apache 2.4.68 (samples/real); nginx 1.22.1 logs it as issuer-certificate-missing',
  inspections: ['self-signed'],
  messages: {
    default: (c) =>
      `${c.cert}${c.vhost} is self-signed (its subject is its issuer): there is no CA responder to ask, so it can never be stapled.`,
  },
  fix: (c) => ({
    summary: 'Turn stapling off for the self-signed certificate.',
    // A Lua script staples by itself: its own switch (kit.ts luaStaplingOff), not nginx's directive.
    steps: c.lua ? luaStaplingOff(c, 'There is nothing to staple') : [staplingOff(c)],
  }),
};
