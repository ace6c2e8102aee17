/**
 * `trusted-chain-incomplete`: nginx cannot verify the OCSP response's signer because
 * `ssl_trusted_certificate` lacks the CA chain. Source: nginx `ngx_ssl_ocsp_verify()`
 * "OCSP_basic_verify() failed" (src/event/ngx_event_openssl_stapling.c, 1.3.7+) with OpenSSL's verify
 * errors (crypto/ocsp/ocsp_vfy.c; `unable to get (local) issuer certificate` …), rule
 * nginx-ocsp-verify-failed. Catalogue §3.2, §4.
 */
import type { FixStep, MissingCertificate } from '../../types.js';
import { configValue, letsEncryptSibling, MISSING, ROOT_SOURCE, step, type CauseContext, type CauseModule } from './kit.js';

const VERIFY_OFF = step({
  action: 'set',
  directive: 'ssl_stapling_verify',
  value: 'off',
  context: 'server',
  alternative: true,
  text: 'Stop verifying the responses: `ssl_stapling_verify off;` (clients still verify them).',
});

/** How a missing certificate is named in the fix, with where it comes from. */
function missingName(m: MissingCertificate): string {
  if (m.role === 'root') return `the root CA certificate ${m.subject}${ROOT_SOURCE.where}`;
  if (m.role === 'issuer') return `the issuing CA certificate ${m.subject}${MISSING.where(m.caIssuersUrl)}`;
  return `the CA certificate ${m.subject} (no public root CA: an intermediate of your CA, or its private root)`;
}

/**
 * The step that gets one missing certificate: a root from the CA store, the server certificate's issuer from
 * its CA Issuers URL. A CA above the chain that may be a root (`ca`) is never offered from a URL a
 * certificate names: a root fetched over plain HTTP would become a trust anchor.
 */
function sourceStep(m: MissingCertificate): FixStep | null {
  if (m.role === 'root') return step({ action: 'check', command: ROOT_SOURCE.findCommand(m.subject), text: ROOT_SOURCE.text(m.subject) });
  if (m.role === 'ca') return step({ action: 'check', command: ROOT_SOURCE.findCommand(m.subject), text: ROOT_SOURCE.caText(m.subject) });
  if (!m.caIssuersUrl) return null;
  const text = `Download ${m.subject} from its CA Issuers URL as PEM${MISSING.downloadNote}.`;
  return step({ action: 'run', command: MISSING.downloadCommand(m.caIssuersUrl, 'issuer.pem'), text });
}

/** Steps that add the certificates `--inspect` found missing from the trusted bundle. */
function neededSteps(c: CauseContext, needed: MissingCertificate[]): FixStep[] {
  const names = needed.map(missingName).join(' and ');
  // Without a public root among them, the chain still has to reach a root: name the CAs above too.
  const upToRoot = needed.some((m) => m.role === 'root')
    ? ''
    : `, and any CA certificate above ${needed.length === 1 ? 'it' : 'them'} up to the root CA`;
  const named = c.facts!.trustedFiles[0];
  const bundle = configValue(named);
  const steps = [
    step({
      action: 'set',
      directive: 'ssl_trusted_certificate',
      value: bundle,
      valueKind: bundle ? null : 'file:issuer-chain',
      context: 'server',
      text: named
        ? `Append ${names}${upToRoot} to "${named}", the file \`ssl_trusted_certificate\` names (nginx verifies the responder's certificate up to a root found there).`
        : `Create a PEM file with the intermediate certificate(s) that issued ${c.cert} and ${names}${upToRoot}, and name it in \`ssl_trusted_certificate\` (nginx does not use the system CA store).`,
    }),
  ];
  for (const m of needed) {
    const s = sourceStep(m);
    if (s) steps.push(s);
  }
  return [...steps, { ...VERIFY_OFF }];
}

/** The trusted file cannot be loaded: name one that can, with the chain that signs the responses. */
function unreadableFix(c: CauseContext) {
  const file = configValue(c.d.file);
  const set = step({
    action: 'set',
    directive: 'ssl_trusted_certificate',
    value: file,
    valueKind: file ? null : 'file:issuer-chain',
    context: 'server',
    text: `Make "${c.d.file}" a readable PEM file (by the user nginx starts as) holding the intermediate certificate(s) that issued the server certificate and their root CA, or name such a file in \`ssl_trusted_certificate\`.`,
  });
  return { summary: 'Give ssl_trusted_certificate a PEM file nginx can load.', steps: [set] };
}

/** ` (… is missing)` for the certificates an inspection found missing from the trusted bundle. */
function neededNames(c: CauseContext): string {
  const needed = c.facts?.missing.filter((m) => m.neededIn === 'trusted-bundle') ?? [];
  return needed.length > 0 ? ` (${needed.map((m) => m.subject).join(' and ')} ${needed.length === 1 ? 'is' : 'are'} missing)` : '';
}

export const trustedChainIncomplete: CauseModule = {
  id: 'trusted-chain-incomplete',
  title: 'Trusted chain incomplete',
  meaning:
    "The OCSP response's signer could not be verified: the trusted certificates lack the intermediate and/or root CA that issued it.",
  brief: {
    apache: '- (mod_ssl does not verify stapled responses)',
    nginx: 'Put the intermediate(s) and the root CA into `ssl_trusted_certificate`; or `ssl_stapling_verify off;`.',
  },
  captured: 'nginx 1.22.1 (samples/real)',
  inspections: ['trusted-chain'],
  variant: (c) => (c.d.file ? 'unreadable' : c.check ? 'check' : 'default'),
  messages: {
    unreadable: (c) =>
      `nginx ${c.check ? 'will not be able to' : 'could not'} load the trusted certificates from "${c.d.file}"${c.d.errorText ? ` (${c.d.errorText})` : c.d.opensslReason ? ` (${c.d.opensslReason})` : ''}, the file \`ssl_trusted_certificate\` names: ${c.check ? 'it will refuse to start' : 'it refuses to start'} until it can, and it verifies the OCSP responses against that file.`,
    check: (c) =>
      `With \`ssl_stapling_verify on\`, nginx will not be able to verify the OCSP responses for ${c.cert} that a delegated OCSP responder certificate signs (as most CAs' responders do): the trusted certificates lack the CA chain that issued it${neededNames(c)}, so it will staple nothing. (A response the issuing CA signs with its own certificate is trusted through the certificate chain.)`,
    default: (c) =>
      `${c.srv} could not verify the signer of the OCSP response for ${c.cert} from ${c.resp}${c.d.verifyError ? ` (${c.d.verifyError})` : ''}: the trusted certificates lack the CA chain that issued it, so nothing is stapled.`,
  },
  fix(c) {
    if (c.d.file) return unreadableFix(c);
    const needed = c.facts?.missing.filter((m) => m.neededIn === 'trusted-bundle') ?? [];
    if (needed.length > 0) {
      return { summary: `Add ${needed.map((m) => m.subject).join(' and ')} to the trusted bundle.`, steps: neededSteps(c, needed) };
    }
    const chain = letsEncryptSibling(c.s.certificate, 'chain');
    const trusted = step({
      action: 'set',
      directive: 'ssl_trusted_certificate',
      valueKind: 'file:issuer-chain',
      context: 'server',
      text: `Name a PEM file with the intermediate certificate(s) that issued ${c.cert} and their root CA in \`ssl_trusted_certificate\` (nginx does not use the system CA store)${chain ? `; certbot's ${chain} holds the intermediate, append the root to it` : ''}.`,
    });
    return { summary: 'Trust the CA chain that signs the OCSP responses.', steps: [trusted, { ...VERIFY_OFF }] };
  },
};
