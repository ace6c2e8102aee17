/**
 * `stapling-init-failed`: Apache turned stapling off for a certificate at start-up and the line that
 * says why is not in the input. Sources: Apache AH02604 "Unable to configure certificate … for stapling"
 * (modules/ssl/ssl_engine_init.c, 2.4.8+; AH02235 in 2.3.16–2.4.7) and AH02567 (ssl_util_stapling.c); mod_gnutls's
 * own set-up failures (src/gnutls_ocsp.c, gnutls_hooks.c: no trust list, the watchdog refresh, a certificate of the
 * chain), fixed by its manual's stapling requirements ("OCSP Stapling Configuration").
 */
import type { FixStep } from '../../types.js';
import { step, type CauseContext, type CauseModule } from './kit.js';

/** mod_gnutls's requirements for stapling (manual), and its watchdog for the background refresh (0.9.0+). */
function gnutlsSteps(c: CauseContext): FixStep[] {
  return [
    step({
      action: 'check',
      directive: 'GnuTLSCertificateFile',
      text: `mod_gnutls staples for ${c.cert} only when the CA that issued it follows it in \`GnuTLSCertificateFile\`, an OCSP cache works (\`GnuTLSOCSPCache\`, by default mod_socache_shmcb's) and the certificate has an http:// OCSP URL (or \`GnuTLSOCSPResponseFile\` names a response); fix the one${c.d.detail && !/^\d+$/.test(c.d.detail) ? ` the line names (${c.d.detail})` : ' the lines before it name'}.`,
    }),
    step({
      action: 'run',
      command: 'a2enmod watchdog   # or: LoadModule watchdog_module modules/mod_watchdog.so',
      optional: true,
      text: 'Load mod_watchdog so that mod_gnutls (0.9.0+) refreshes responses in the background (`GnuTLSOCSPAutoRefresh`, on by default); without it responses are fetched during handshakes only.',
    }),
  ];
}

export const staplingInitFailed: CauseModule = {
  id: 'stapling-init-failed',
  title: 'Stapling disabled at start-up (reason not in the log)',
  meaning:
    'Apache turned stapling off for a certificate at start-up, but the line that says why (AH02217, AH02218, …) is not in the input; or mod_gnutls could not set up stapling (or its background refresh) for one. Added to the vocabulary because the summary line alone still means clients get no staple.',
  brief: {
    apache: "Read the lines just before it in that virtual host's ErrorLog; fix what they name.",
    nginx: null,
    gnutls:
      "Meet mod_gnutls's stapling requirements: the issuer after the certificate in `GnuTLSCertificateFile`, an OCSP cache (mod_socache_shmcb), an OCSP URL; load mod_watchdog.",
  },
  captured: 'Apache 2.4.68 (an AH02604 whose reason line is cut off)',
  inspections: [],
  variant: (c) => (c.gnutls ? 'gnutls' : 'default'),
  messages: {
    gnutls: (c) =>
      `Apache (mod_gnutls) could not set up OCSP stapling${c.d.detail && !/^\d+$/.test(c.d.detail) ? ` (${c.d.detail})` : ''} for ${c.cert}${c.vhost}: it staples nothing for it, or fetches responses only during handshakes.`,
    default: (c) => `Apache turned OCSP stapling off for ${c.cert} at start-up; the line that says why is not in the input.`,
  },
  fix: (c) =>
    c.gnutls
      ? { summary: "Meet mod_gnutls's requirements for stapling.", steps: gnutlsSteps(c) }
      : {
          summary: 'Find the reason in the lines before the summary line.',
          steps: [
            step({
              action: 'check',
              text: `Look just above this line in ${c.s.vhost ? `the ErrorLog of ${c.s.vhost}` : 'the ErrorLog'} for AH02217/AH02218/AH02814/AH02815 and fix what it names; run stapling-doctor on the whole log.`,
            }),
          ],
        },
};
