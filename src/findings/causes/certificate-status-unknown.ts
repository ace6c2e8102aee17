/**
 * `certificate-status-unknown`: the responder does not know the certificate.
 * Sources: Apache AH02969 "response has certificate status unknown" (modules/ssl/ssl_util_stapling.c,
 * 2.4.18+); nginx "certificate status \"unknown\" in the OCSP response" (src/event/ngx_event_openssl_stapling.c).
 */
import type { FixStep } from '../../types.js';
import {
  apacheNoErrorStaples,
  autoSslNewCertificate,
  type CauseContext,
  checkResponder,
  luaChainSteps,
  luaReplaceCertificate,
  luaStaplingOff,
  staplingFileSteps,
  step,
  type CauseModule,
} from './kit.js';

/**
 * A Lua script's fix: the script asks the URL in the certificate with the issuer next to it in its chain
 * (lua-nginx-module src/ngx_http_lua_ssl_ocsp.c), so the levers are the chain and, for a certificate the CA does
 * not know, a new one (ingress-nginx: "Revoked or unknown: replace the certificate in the TLS Secret"; research
 * notes, certificate.lua:152-177 at dbb11b92); a just-issued auto-ssl certificate may need time
 * ({@link autoSslNewCertificate}).
 */
function luaFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  return {
    summary: 'Make sure the chain names the real issuer; a certificate the CA does not know needs replacing.',
    steps: [
      ...autoSslNewCertificate(c),
      ...luaChainSteps(c, `the intermediate that really issued ${c.cert} directly after it`),
      ...luaReplaceCertificate(c, 'If the CA does not know the certificate at all, replace it'),
      ...luaStaplingOff(c, 'Meanwhile', true),
    ],
  };
}

/** Was every line of the finding cut before its status (none says it; a cut took it)? */
const statusCut = (c: CauseContext): boolean => c.d.certStatus === undefined && c.lost.has('certStatus');

/** The fix of a line cut before its status: read the status first, then the fix for each. */
function statusCutFix(c: CauseContext): { summary: string; steps: FixStep[] } {
  const where = c.nginx ? 'the nginx error log' : "the virtual host's ErrorLog";
  return {
    summary: 'Read the whole line for the status, then act on it.',
    steps: [
      step({ action: 'check', text: `Find the whole line in ${where}: it says the status, revoked or unknown.` }),
      checkResponder(
        c,
        `If revoked, replace ${c.cert} now; if unknown, check that the responder is the issuing CA's and that the chain names the right issuer.`,
      ),
    ],
  };
}

export const certificateStatusUnknown: CauseModule = {
  id: 'certificate-status-unknown',
  title: 'Certificate unknown to the responder',
  meaning:
    "The responder does not know the certificate: a responder of another CA, a wrong issuer, or a certificate too new for the CA's OCSP data.",
  brief: {
    apache: 'Check `SSLStaplingForceURL` and the issuer; `SSLStaplingReturnResponderErrors off`.',
    nginx: 'Check `ssl_stapling_responder` and the issuer certificate.',
    gnutls: "Check the certificate's OCSP URL and the issuer in `GnuTLSCertificateFile`; a new certificate may need a few minutes.",
    lua: 'Check the issuer in the chain the script uses; a just-issued certificate may need minutes; else replace the certificate where the script takes it from.',
  },
  captured: 'Apache 2.4.68, nginx 1.22.1 (samples/real); mod_md 2.6.10',
  inspections: ['ocsp-url'],
  // A line cut before its status (`certificate status "…`, AH02969 `… response has certificate sta…`): the rule
  // has two patterns, revoked and unknown, and the matcher gives it this cause as its own (src/rules/match.ts,
  // `undecidedCause`), so the sentence says what is and is not known.
  variant: (c) => (c.d.file && c.nginx ? 'stapling-file' : statusCut(c) ? 'status-cut' : 'default'),
  messages: {
    'status-cut': (c) =>
      `${c.resp} did not answer "good" for ${c.cert}${c.s.serial && !c.s.certSubject ? ` (serial ${c.s.serial})` : ''}, but the line was cut before the status: revoked (replace the certificate now) or unknown to the responder.`,
    'stapling-file': (c) =>
      `The ssl_stapling_file "${c.d.file}" says the responder does not know ${c.cert} (status unknown): nginx staples it anyway and clients reject it.`,
    default: (c) =>
      `${c.resp} does not know ${c.cert}${c.s.serial && !c.s.certSubject ? ` (serial ${c.s.serial})` : ''} (status unknown): it is another CA's responder, the issuer is wrong, or the certificate is too new for it.`,
  },
  fix(c) {
    if (c.lua) return luaFix(c);
    if (statusCut(c)) return statusCutFix(c);
    if (c.d.file && c.nginx) return { summary: `Regenerate ${c.d.file} from the issuing CA's responder.`, steps: staplingFileSteps(c) };
    const forced = c.facts?.forcedResponder;
    const steps = [
      forced && c.dir.responder
        ? step({
            action: 'check',
            directive: c.dir.responder,
            text: `\`${c.dir.responder} ${forced.url}\`${forced.block ? ` (${forced.block})` : ''} sends the OCSP requests for ${c.cert} to that responder instead of the certificate's own: point it at the responder of the CA that issued the certificate, or remove it so that the certificate's OCSP URL is asked.`,
          })
        : checkResponder(
            c,
            `Check that the responder is the one of the CA that issued ${c.cert} and that the chain names the right issuer; a freshly issued certificate may need a few minutes.`,
          ),
    ];
    steps.push(
      ...apacheNoErrorStaples(
        c,
        'Meanwhile, do not staple unknown-status responses: `SSLStaplingReturnResponderErrors off` (limits the harm only).',
      ),
    );
    return { summary: "Ask the issuing CA's own responder about this certificate.", steps };
  },
};
