/**
 * `certificate-expired`: the server certificate has expired, or expires soon, while stapling is on.
 * Source: the certificate itself (its notAfter), read by `stapling-doctor check`; no server logs it
 * (nginx and mod_ssl staple for an expired certificate as long as the responder answers). A CA's
 * responder need not answer for a certificate past its validity (RFC 6960 §2.2 leaves it to the CA; the
 * CA/Browser Forum Baseline Requirements §4.9.10 require status only until expiry), and clients refuse an
 * expired certificate whatever is stapled.
 *
 * Also a certificate the server sends that is not valid yet (variant `not-yet-valid`, `check` only: the leaf or an
 * intermediate whose notBefore lies ahead): OpenSSL's verify error 9 X509_V_ERR_CERT_NOT_YET_VALID "certificate is
 * not yet valid" (crypto/x509/x509_vfy.c `ossl_x509_check_cert_time()`, OpenSSL 3.0) for clients, and for a server that
 * verifies the response's signer chain; a clock behind or a certificate deployed before its time.
 *
 * Added to the vocabulary because `check` reads certificates before a server logs anything, and an
 * expiring certificate is what ends its stapling (and its handshakes) next; none of the other causes
 * names it, and its fix — renew — differs from all of them.
 */
import { replaceCertificate, step, type CauseContext, type CauseModule } from './kit.js';

/**
 * The certificate that is not valid yet, for the `not-yet-valid` variant: from the finding's values
 * (`certSubject`, `file`, `notBefore`, which `check` sets) and the inspection's check (the time it was checked at).
 */
function notYet(c: CauseContext): { who: string; file: string; notBefore: string; now: string | undefined; intermediate: boolean } {
  const f = c.facts?.notYetValid;
  const intermediate = f?.role === 'intermediate';
  const role = intermediate ? 'the intermediate' : 'the certificate';
  const subject = c.d.certSubject ?? f?.subject;
  return {
    who: subject ? `${role} ${subject}` : c.cert,
    file: c.d.file ?? f?.file ?? c.file ?? '',
    notBefore: c.d.notBefore ?? f?.notBefore ?? c.s.notBefore ?? '',
    now: f?.now,
    intermediate,
  };
}

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
  variant: (c) => (c.d.detail === 'expired' ? 'expired' : c.d.detail === 'not-yet-valid' ? 'not-yet-valid' : 'default'),
  messages: {
    'not-yet-valid': (c) => {
      const n = notYet(c);
      return `${n.who} in "${n.file}"${c.vhost} is not valid before ${n.notBefore}${n.now ? `, and it is ${n.now} by the clock of the machine that checked it` : ''}: OpenSSL refuses it (verify error 9, "certificate is not yet valid"), so clients refuse ${n.intermediate ? 'the chain through it, and a response whose signer chains through it does not verify (ssl_stapling_verify, clients)' : 'it whatever is stapled'} until then.`;
    },
    expired: (c) =>
      `${c.cert}${c.vhost} expired${c.s.notAfter ? ` on ${c.s.notAfter}` : ''}: clients refuse it whatever is stapled, and its CA's responder need not answer for it any more.`,
    default: (c) =>
      `${c.cert}${c.vhost} expires${c.s.notAfter ? ` on ${c.s.notAfter}` : ' soon'}: after that clients refuse it and its CA's responder need not answer for it, so stapling ends with it.`,
  },
  fix: (c) => (c.d.detail === 'not-yet-valid' ? notYetValidFix(c) : renewFix(c)),
};

/** A certificate not valid yet: a clock behind (most often), else a certificate for later in the file. */
function notYetValidFix(c: CauseContext): ReturnType<CauseModule['fix']> {
  const n = notYet(c);
  return {
    summary: `Check the server's clock: ${n.who} in "${n.file}" is valid only from ${n.notBefore}.`,
    steps: [
      step({
        action: 'check',
        command: 'date -u; timedatectl status',
        text: `Check the server's clock${n.now ? ` (the check ran at ${n.now})` : ''}: when it is behind, set it right (NTP: \`timedatectl set-ntp true\`, chrony or ntpd) and restart${c.nginx ? ' nginx' : ' Apache'}; nothing else needs changing.`,
      }),
      replaceCertificate(
        c,
        `When the clock is right, "${n.file}" holds a certificate issued for later (notBefore ${n.notBefore}): the wrong file was deployed, or it was installed before its time. Put the certificate that is valid now, with its chain, in the file \`${c.dir.certificate}\` names (or wait until ${n.notBefore}), then reload${c.nginx ? ' nginx' : ' Apache'}.`,
      ),
    ],
  };
}

/** An expired or expiring certificate: renew it. */
function renewFix(c: CauseContext): ReturnType<CauseModule['fix']> {
  return {
    summary: `Renew ${c.cert} before it expires${c.s.notAfter ? ` (${c.s.notAfter})` : ''}.`,
    steps: [
      replaceCertificate(
        c,
        `Renew ${c.cert} and install the new certificate with its chain in \`${c.dir.certificate}\`, then reload${c.nginx ? ' nginx' : ' Apache'}.`,
      ),
    ],
  };
}
