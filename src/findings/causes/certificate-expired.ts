/**
 * `certificate-expired`: a certificate of the served chain is outside its validity dates while stapling is on: the
 * server certificate has expired or expires soon (the default), or the variants below.
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
 * Also an expired CA certificate after the leaf (`check` only; `--inspect`'s `expired` check names it too): in the
 * certificate file, Apache's `SSLCertificateChainFile`, or taken from the trusted files to staple. Variant
 * `intermediate-expired` when the chain OpenSSL builds goes through it: verify error 10 X509_V_ERR_CERT_HAS_EXPIRED
 * "certificate has expired" (crypto/x509/x509_txt.c, OpenSSL 3.0) — clients refuse the chain, and nginx's
 * `OCSP_basic_verify()` of a response signed through it fails ("Verify error:certificate has expired"); the fix is
 * the CA's current intermediate. Variant `intermediate-unneeded` when the chain does not use it (a cross-sign whose
 * subject and key have a valid certificate elsewhere, as Let's Encrypt's ISRG Root X1 cross-signed by the expired
 * DST Root CA X3, or a leftover): the fix is to remove it.
 *
 * Added to the vocabulary because `check` reads certificates before a server logs anything, and an
 * expiring certificate is what ends its stapling (and its handshakes) next; none of the other causes
 * names it, and its fix — renew — differs from all of them.
 */
import type { FixStep } from '../../types.js';
import { MISSING, replaceCertificate, shellWord, step, type CauseContext, type CauseModule } from './kit.js';

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
    "A certificate the server sends is outside its validity dates: the server certificate has expired or expires soon, or it or an intermediate is not valid yet, or an intermediate of the chain has expired. Clients refuse it whatever is stapled, and the CA's responder need not answer for an expired certificate. Added for `check`, which reads the certificates before a server logs anything; the fix is to renew or replace the certificate.",
  brief: {
    apache: 'Renew the certificate; point `SSLCertificateFile` at the new one.',
    nginx: 'Renew the certificate; point `ssl_certificate` at the new one.',
    gnutls: 'Renew the certificate; point `GnuTLSCertificateFile` at the new one (with its chain).',
  },
  captured: 'not logged by the servers; `check` reads it from the certificate',
  inspections: ['expired'],
  variant: (c) => (VARIANTS.has(c.d.detail ?? '') ? c.d.detail! : 'default'),
  messages: {
    'intermediate-expired': (c) => {
      const x = gone(c);
      const sent = x.from !== 'trusted-file';
      return `The ${sent ? 'intermediate' : 'CA certificate'} ${x.subject} in "${x.file}"${c.vhost} expired on ${x.notAfter}${x.now ? `, and it is ${x.now} by the clock of the machine that checked it` : ''}, and the chain of ${c.cert} goes through it: OpenSSL refuses it (verify error 10, "certificate has expired"), so ${sent ? 'clients refuse the chain, and ' : ''}a stapled response whose signer chains through it does not verify (nginx: "OCSP_basic_verify() failed … Verify error:certificate has expired").`;
    },
    'intermediate-unneeded': (c) => {
      const x = gone(c);
      const why = x.twin
        ? `a valid certificate with the same subject and key is ${x.twin === 'trust-store' ? "in the root store (Node's copy of Mozilla's list, which most systems' stores match)" : `in "${x.twin}"`}, and clients that have it (OpenSSL 1.1.0+, current browsers) build the chain through it instead`
        : `no certificate of the chain of ${c.cert} is issued by it`;
      return `The certificate ${x.subject} in "${x.file}"${c.vhost} expired on ${x.notAfter}, but the chain does not need it: ${why}. It is sent for nothing, and old clients that do not look for another chain (OpenSSL 1.0.x) may still refuse the chain on it.`;
    },
    'not-yet-valid': (c) => {
      const n = notYet(c);
      return `${n.who} in "${n.file}"${c.vhost} is not valid before ${n.notBefore}${n.now ? `, and it is ${n.now} by the clock of the machine that checked it` : ''}: OpenSSL refuses it (verify error 9, "certificate is not yet valid"), so ${c.facts?.notYetValid?.from === 'trusted-file' ? 'a response whose signer chains through it does not verify where responses are verified (nginx ssl_stapling_verify; clients do not get it from this file)' : `clients refuse ${n.intermediate ? 'the chain through it, and a response whose signer chains through it does not verify (ssl_stapling_verify, clients)' : 'it whatever is stapled'}`} until then.`;
    },
    expired: (c) =>
      `${c.cert}${c.vhost} expired${c.s.notAfter ? ` on ${c.s.notAfter}` : ''}: clients refuse it whatever is stapled, and its CA's responder need not answer for it any more.`,
    default: (c) =>
      `${c.cert}${c.vhost} expires${c.s.notAfter ? ` on ${c.s.notAfter}` : ' soon'}: after that clients refuse it and its CA's responder need not answer for it, so stapling ends with it.`,
  },
  fix: (c) =>
    c.d.detail === 'not-yet-valid'
      ? notYetValidFix(c)
      : c.d.detail === 'intermediate-expired'
        ? chainFix(c)
        : c.d.detail === 'intermediate-unneeded'
          ? removeFix(c)
          : renewFix(c),
};

const VARIANTS = new Set(['expired', 'not-yet-valid', 'intermediate-expired', 'intermediate-unneeded']);

/**
 * The expired CA certificate after the leaf, for the `intermediate-*` variants: from the finding's values
 * (`certSubject`, `file`, `notAfter`, which `check` sets) and the inspection's facts (time, kind of file, URL, twin).
 */
function gone(c: CauseContext): {
  subject: string;
  file: string;
  from: string;
  notAfter: string;
  now: string | undefined;
  caIssuers: string | undefined;
  twin: string | undefined;
} {
  const f = c.facts?.expiredInChain;
  return {
    subject: c.d.certSubject ?? f?.subject ?? 'an intermediate',
    file: c.d.file ?? f?.file ?? c.file ?? '',
    from: f?.from ?? 'certificate-file',
    notAfter: c.d.notAfter ?? f?.notAfter ?? '',
    now: f?.now,
    caIssuers: f?.caIssuers,
    twin: f?.twin,
  };
}

/** The directive that names the file an expired CA certificate is in, and how its step says the file's content. */
function fileStep(c: CauseContext, from: string, text: string, command?: string): FixStep {
  const [directive, valueKind, context] =
    from === 'certificate-file'
      ? ([c.dir.certificate, 'file:leaf-and-chain', c.dir.site] as const)
      : from === 'chain-file'
        ? (['SSLCertificateChainFile', 'file:issuer-chain', 'VirtualHost'] as const)
        : ([c.dir.issuerFile, 'file:issuer-chain', c.dir.site] as const);
  return step({ action: 'set', directive, valueKind, context, text, ...(command ? { command } : {}) });
}

/** An expired intermediate the chain goes through: the CA's current one in its place. */
function chainFix(c: CauseContext): ReturnType<CauseModule['fix']> {
  const x = gone(c);
  const reload = `then reload${c.nginx ? ' nginx' : ' Apache'}`;
  const get = x.caIssuers
    ? step({
        action: 'run',
        command: `${MISSING.downloadCommand(x.caIssuers, 'issuer.pem')} && openssl x509 -in issuer.pem -noout -subject -enddate`,
        text: `Download the CA's current intermediate from the CA Issuers URL in the certificate${MISSING.downloadNote}, and check that the notAfter it prints lies ahead; if the CA still serves the expired one, take the current one from its website.`,
      })
    : step({
        action: 'check',
        text: `Get the CA's current certificate for ${x.subject} from your CA (its website or account) and save it as issuer.pem; no CA Issuers URL gives it (the server certificate's names only its own issuer).`,
      });
  const file = shellWord(x.file, 'FILE.pem');
  const put =
    x.from === 'certificate-file'
      ? fileStep(
          c,
          x.from,
          `Rebuild "${x.file}": the server certificate first (\`openssl x509\` writes only the first certificate of a file), then the current intermediate instead of the expired one (the command writes fullchain.pem in the current directory: put it in place of "${x.file}"); ${reload}.`,
          `openssl x509 -in ${file} -out leaf.pem && cat leaf.pem issuer.pem > fullchain.pem`,
        )
      : fileStep(
          c,
          x.from,
          `Replace ${x.subject} in "${x.file}" with issuer.pem (keep any other CA certificate the file holds), ${reload}.`,
        );
  const renew = replaceCertificate(
    c,
    `If the CA no longer issues under that intermediate (the current one has another key, so ${c.cert} does not verify with it), renew ${c.cert}: it comes with its current chain; install both in \`${c.dir.certificate}\` and ${reload}.`,
  );
  return {
    summary: `Replace the expired ${x.from === 'trusted-file' ? 'CA certificate' : 'intermediate'} ${x.subject} in "${x.file}" with the CA's current one.`,
    steps: [get, put, { ...renew, alternative: true }],
  };
}

/** An expired certificate the chain does not use: remove it. */
function removeFix(c: CauseContext): ReturnType<CauseModule['fix']> {
  const x = gone(c);
  return {
    summary: `Remove the expired certificate ${x.subject} from "${x.file}": the chain does not need it.`,
    steps: [
      fileStep(
        c,
        x.from,
        `List the certificates of "${x.file}" (the command prints each one's subject and issuer), delete the one of ${x.subject} that expired on ${x.notAfter} — from its BEGIN CERTIFICATE line to its END CERTIFICATE line — and reload${c.nginx ? ' nginx' : ' Apache'}.`,
        `openssl crl2pkcs7 -nocrl -certfile ${shellWord(x.file, 'FILE.pem')} | openssl pkcs7 -print_certs -noout`,
      ),
    ],
  };
}

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
