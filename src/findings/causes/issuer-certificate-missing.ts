/**
 * `issuer-certificate-missing`: the server cannot find the issuer (intermediate) of its certificate.
 * Sources: Apache mod_ssl `ssl_stapling_init_cert()` AH02217 (modules/ssl/ssl_util_stapling.c, 2.4.x);
 * nginx `ngx_ssl_stapling_issuer()` "issuer certificate not found" (src/event/ngx_event_openssl_stapling.c,
 * 1.3.7+). Catalogue §3.1, §5.
 */
import type { FixStep, MissingCertificate } from '../../types.js';
import {
  letsEncryptSibling,
  luaChainSteps,
  LUA_NAMES,
  MISSING,
  refutedBy,
  reloadSteps,
  shellWord,
  step,
  type CauseContext,
  type CauseModule,
} from './kit.js';

const LE_NOTE =
  "Let's Encrypt ended OCSP in 2025: once the chain is complete nginx/Apache may report that the certificate has no OCSP URL; then turn stapling off instead.";

/** Which versions read the chain from the certificate file: httpd 2.4.8+ (mod_ssl); nginx and mod_gnutls always. */
function chainNote(c: CauseContext): string {
  if (c.nginx) return '';
  return c.gnutls
    ? ' (mod_gnutls reads the chain, ordered from the server certificate towards the root, from this file only)'
    : ' (httpd 2.4.8+; older versions: `SSLCertificateChainFile`)';
}

/** Steps that add a known missing issuer certificate, by subject, to the certificate file. */
function issuerSteps(c: CauseContext, m: MissingCertificate): FixStep[] {
  const directive = c.dir.certificate;
  const target = c.file ? `"${c.file}"` : `the file named by \`${directive}\``;
  const out: FixStep[] = [
    step({
      action: 'set',
      directive,
      valueKind: 'file:leaf-and-chain',
      context: c.dir.site,
      text: `Append the issuing intermediate certificate ${m.subject}${MISSING.where(m.caIssuersUrl)} after ${c.file ? 'the server certificate' : c.cert} — in ${target} itself, or in a new full-chain file that \`${directive}\` then names${chainNote(c)}.`,
    }),
  ];
  if (m.caIssuersUrl) {
    out.push(
      step({
        action: 'run',
        command: `${MISSING.downloadCommand(m.caIssuersUrl, 'issuer.pem')} && cat ${shellWord(c.file, 'CERT.pem')} issuer.pem > fullchain.pem`,
        text: `Download ${m.subject} from the CA Issuers URL in the certificate and build the full chain${MISSING.downloadNote}.`,
      }),
    );
  }
  if (c.gnutls) return out; // mod_gnutls verifies responses with the CAs of GnuTLSCertificateFile only
  out.push(
    c.nginx
      ? step({
          action: 'set',
          directive: 'ssl_trusted_certificate',
          valueKind: 'file:issuer-chain',
          context: 'server',
          alternative: true,
          text: `Keep the certificate file and name a file holding ${m.subject} (and its root) in \`ssl_trusted_certificate\`.`,
        })
      : step({
          action: 'set',
          directive: 'SSLCACertificateFile',
          valueKind: 'file:issuer',
          context: 'VirtualHost',
          alternative: true,
          text: `Put ${m.subject} into the file named by \`SSLCACertificateFile\`.`,
        }),
  );
  return out;
}

/** Steps when the log (not `--inspect`) is all we have: use the full chain, or name the issuer elsewhere. */
function chainSteps(c: CauseContext): FixStep[] {
  const full = letsEncryptSibling(c.s.certificate, 'fullchain');
  const directive = c.dir.certificate;
  const steps: FixStep[] = [
    step({
      action: 'set',
      directive,
      value: full,
      valueKind: full ? null : 'file:leaf-and-chain',
      context: c.dir.site,
      text: c.nginx
        ? full
          ? `Use the full chain: \`ssl_certificate ${full};\` instead of ${c.s.certificate}.`
          : `Point \`ssl_certificate\` at a file holding ${c.cert} followed by its intermediate certificate(s) (a "fullchain" file).`
        : full
          ? `Use the full chain: \`${directive} ${full}\`${c.gnutls ? '' : ' (httpd 2.4.8+)'}.`
          : `Append the issuing intermediate certificate(s) after ${c.cert} in the file named by \`${directive}\`${chainNote(c)}.`,
    }),
  ];
  if (c.nginx) {
    steps.push(
      step({
        action: 'set',
        directive: 'ssl_trusted_certificate',
        valueKind: 'file:issuer-chain',
        context: 'server',
        alternative: true,
        text: 'Keep the certificate file and name the issuing intermediate (and the root) in `ssl_trusted_certificate`.',
      }),
      // nginx writes the same warning for a self-signed certificate (catalogue §3.1); only the file tells.
      step({
        action: 'set',
        directive: 'ssl_stapling',
        value: 'off',
        context: 'server',
        alternative: true,
        text: 'If the certificate is self-signed (the command below prints the same subject and issuer; `--inspect` checks it), there is nothing to staple: `ssl_stapling off;`.',
      }),
    );
  } else if (!c.gnutls) {
    steps.push(
      step({
        action: 'set',
        directive: 'SSLCACertificateFile',
        valueKind: 'file:issuer',
        context: 'VirtualHost',
        alternative: true,
        text: 'Put the issuing CA certificate into the file named by `SSLCACertificateFile`.',
      }),
    );
  }
  steps.push(
    step({
      action: 'check',
      command: `openssl x509 -noout -subject -issuer -in ${shellWord(c.s.certificate, 'CERT.pem')}`,
      text: 'The issuer printed is the certificate to add; its CA publishes it (the "CA Issuers" URL in the certificate says where).',
    }),
  );
  return steps;
}

export const issuerCertificateMissing: CauseModule = {
  id: 'issuer-certificate-missing',
  title: 'Issuer certificate missing',
  meaning:
    'The server cannot find the certificate of the CA that issued its certificate (the intermediate), so it cannot build an OCSP request and staples nothing.',
  brief: {
    apache:
      'Append the intermediate(s) to `SSLCertificateFile` (2.4.8+) or set `SSLCertificateChainFile`; or put the issuer into `SSLCACertificateFile`.',
    nginx: 'Point `ssl_certificate` at the full chain (certificate + intermediates), or put the issuer into `ssl_trusted_certificate`.',
    gnutls:
      'Append the intermediate(s) (and the root) after the certificate in `GnuTLSCertificateFile`: mod_gnutls verifies OCSP responses with the CAs of that file only.',
    lua: "The intermediate right after the certificate in the chain the script uses: lua-resty-auto-ssl's stored `<domain>:latest` (delete it to reissue), the Secret's `tls.crt` (or `--enable-ssl-chain-completion`), APISIX's SSL `cert`.",
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 ([samples/real](samples/real/README.md))',
  inspections: ['self-signed', 'issuer-present'],
  variant: (c) => (refutedBy(c, 'issuerPresent') ? 'refuted' : 'default'),
  messages: {
    refuted: (c) =>
      `${c.srv} reported that it cannot find the issuer (intermediate CA) certificate of ${c.cert}${c.vhost}, but the files as they are now hold it: the running server read them before they were fixed, or it reads other files.`,
    default: (c) =>
      c.lua
        ? `The chain ${LUA_NAMES[c.lua]} hands to ngx.ocsp for ${c.cert}${c.vhost} has no issuer (intermediate CA) certificate next to it${c.d.detail ? ` (${c.d.detail})` : ''}, so no OCSP request can be built and nothing is stapled.`
        : `${c.srv} cannot find the issuer (intermediate CA) certificate of ${c.cert}${c.vhost}, so it staples no OCSP response for it.`,
  },
  fix(c) {
    // Lua scripts hand ngx.ocsp a chain of their own (kit.ts luaChainSteps): no nginx directive, no inspection.
    if (c.lua)
      return {
        summary: 'Put the issuing intermediate certificate right after the certificate in the chain the script uses.',
        steps: luaChainSteps(c, `the intermediate that issued ${c.cert} directly after it`),
      };
    const le = c.le ? [step({ action: 'check', text: LE_NOTE })] : [];
    if (refutedBy(c, 'issuerPresent')) {
      return {
        summary: `Reload ${c.srv === 'nginx' ? 'nginx' : c.srv === 'Apache' ? 'Apache' : 'the server'}: the files hold the issuer now.`,
        steps: [...reloadSteps(c, 'the issuer is there'), ...le],
      };
    }
    if (c.missingIssuer) {
      return {
        summary: `Add the issuing certificate ${c.missingIssuer.subject} to the certificate file.`,
        steps: [...issuerSteps(c, c.missingIssuer), ...le],
      };
    }
    return {
      summary: c.nginx
        ? 'Give nginx the intermediate certificate(s): use the full-chain file.'
        : 'Give Apache the intermediate certificate(s) of the server certificate.',
      steps: [...chainSteps(c), ...le],
    };
  },
};
