/**
 * `certificate-expired`: the server certificate has expired, or expires soon, while stapling is on.
 * Source: the certificate itself (its notAfter), read by `stapling-doctor check`; no server logs it
 * (nginx and mod_ssl staple for an expired certificate as long as the responder answers). A CA's
 * responder need not answer for a certificate past its validity (RFC 6960 §2.2 leaves it to the CA; the
 * CA/Browser Forum Baseline Requirements §4.9.10 require status only until expiry), and clients refuse an
 * expired certificate whatever is stapled.
 *
 * Added to the vocabulary because `check` reads certificates before a server logs anything, and an
 * expiring certificate is what ends its stapling (and its handshakes) next; none of the other causes
 * names it, and its fix — renew — differs from all of them.
 */
import { replaceCertificate, type CauseModule } from './kit.js';

export const certificateExpired: CauseModule = {
  id: 'certificate-expired',
  title: 'Certificate expired or expiring',
  meaning:
    "The server certificate has expired, or expires soon: clients refuse it whatever is stapled, and the CA's responder need not answer for it after its expiry. Added for `check`, which reads the certificates before a server logs anything; the fix is to renew it.",
  brief: {
    apache: 'Renew the certificate; point `SSLCertificateFile` at the new one.',
    nginx: 'Renew the certificate; point `ssl_certificate` at the new one.',
    gnutls: 'Renew the certificate; point `GnuTLSCertificateFile` at the new one (with its chain).',
  },
  captured: 'not logged by the servers; `check` reads it from the certificate',
  inspections: ['expired'],
  variant: (c) => (c.d.detail === 'expired' ? 'expired' : 'default'),
  messages: {
    expired: (c) =>
      `${c.cert}${c.vhost} expired${c.s.notAfter ? ` on ${c.s.notAfter}` : ''}: clients refuse it whatever is stapled, and its CA's responder need not answer for it any more.`,
    default: (c) =>
      `${c.cert}${c.vhost} expires${c.s.notAfter ? ` on ${c.s.notAfter}` : ' soon'}: after that clients refuse it and its CA's responder need not answer for it, so stapling ends with it.`,
  },
  fix: (c) => ({
    summary: `Renew ${c.cert} before it expires${c.s.notAfter ? ` (${c.s.notAfter})` : ''}.`,
    steps: [
      replaceCertificate(
        c,
        `Renew ${c.cert} and install the new certificate with its chain in \`${c.dir.certificate}\`, then reload${c.nginx ? ' nginx' : ' Apache'}.`,
      ),
    ],
  }),
};
