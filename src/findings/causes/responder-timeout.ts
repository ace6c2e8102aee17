/**
 * `responder-timeout`: the responder did not answer in time.
 * Sources: Apache's OCSP transport errors with a timeout status (AH01974 connect, AH01977/AH01978 read,
 * modules/ssl/ssl_util_ocsp.c) confirmed by AH01941; nginx "OCSP responder timed out"
 * (src/event/ngx_event_openssl_stapling.c). Catalogue §3.6.
 */
import { responderEndpoint, responderPortWords, responderUrl, step, type CauseModule } from './kit.js';

export const responderTimeout: CauseModule = {
  id: 'responder-timeout',
  title: 'Responder timed out',
  meaning: 'The OCSP responder did not answer in time (packets dropped by a firewall, or a slow responder).',
  brief: {
    apache: "Allow outbound TCP to the responder's port (usually 80); raise `SSLStaplingResponderTimeout`.",
    nginx: "Allow outbound TCP to the responder's port (usually 80); nginx's 60 s responder timeout is fixed.",
    gnutls: "Allow outbound TCP to the responder's port (usually 80); raise `GnuTLSOCSPSocketTimeout` (default 6 s).",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  messages: {
    default: (c) =>
      `${c.resp} did not answer ${c.srv === 'The server' ? 'the server' : c.srv} in time, so it has no fresh OCSP response to staple.`,
  },
  fix(c) {
    const steps = [
      step({
        action: 'check',
        command: `curl -sv -o /dev/null --max-time 10 ${responderUrl(c.s)}`,
        text: `Check that ${responderEndpoint(c.s).host ?? 'the responder'} answers over ${responderPortWords(c.s)} from this server (a firewall that drops packets causes timeouts).`,
      }),
    ];
    if (c.gnutls) {
      steps.push(
        step({
          action: 'set',
          directive: 'GnuTLSOCSPSocketTimeout',
          value: '15',
          context: 'server config, virtual host',
          text: 'For a slow responder, raise `GnuTLSOCSPSocketTimeout 15` (seconds without any socket activity; default 6).',
        }),
      );
    } else if (!c.nginx) {
      steps.push(
        step({
          action: 'set',
          directive: 'SSLStaplingResponderTimeout',
          value: '15',
          valueKind: null,
          context: 'server config',
          text: 'For a slow responder, raise `SSLStaplingResponderTimeout 15` (seconds; default 10).',
        }),
      );
    }
    return { summary: 'Let the responder answer in time.', steps };
  },
};
