/**
 * A throw-away PKI made with the `openssl` CLI at test time (ECDSA P-256 keys, 30-day certificates):
 *
 * - `root` (self-signed CA) → `inter` (intermediate CA) → one leaf per scenario family, each for
 *   `www.stapling.test` with its own AIA OCSP URI (the responder variant it points at) or none, and
 *   a CA Issuers URI ({@link CA_ISSUERS}) like public CAs' certificates;
 * - `ocspSigner`: a delegated OCSP signing certificate issued by `inter` (EKU OCSPSigning, ocsp-nocheck);
 * - `signerWithoutOcspUsage`: issued by `inter` without the OCSPSigning EKU (a responder misconfigured
 *   to sign with the wrong certificate);
 * - `foreignRoot` → `foreignSigner`: an unrelated CA and its OCSP signing certificate, for a responder
 *   whose answers nobody can chain to our root;
 * - `selfSigned`: a self-signed leaf for `www.stapling.test` without AIA.
 *
 * Files are PEM. For each leaf `fullchain` is the leaf followed by the intermediate (what
 * `SSLCertificateFile`/`ssl_certificate` should name); `issuerChain` is intermediate + root (what
 * `ssl_trusted_certificate` should name). `index` is the `openssl ocsp -index` database of `inter`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from './proc.js';

/** The host name every test certificate is issued for (SNI and SAN). */
export const TEST_HOST = 'www.stapling.test';

/**
 * The CA Issuers URLs (AIA) of the test PKI, as public CAs write them: every leaf points at the
 * intermediate, the intermediate at the root. Nothing serves them (no server fetches them); they
 * let `--inspect` say where a missing certificate can be had.
 */
export const CA_ISSUERS = {
  intermediate: 'http://ca.stapling.test/stapling-test-intermediate.der',
  root: 'http://ca.stapling.test/stapling-test-root.der',
};

/** A certificate and its private key (PEM file paths). */
export interface KeyPair {
  cert: string;
  key: string;
}

/** A leaf certificate of the test PKI. */
export interface Leaf extends KeyPair {
  name: string;
  /** The leaf followed by the intermediate CA certificate. */
  fullchain: string;
  /** Serial number in upper-case hex as OpenSSL prints it (`1003`). */
  serial: string;
  /** The AIA OCSP URI written into the certificate, or null for none. */
  ocspUrl: string | null;
}

/** What to issue: one leaf. `status` is what the CA's index says about it (`unknown`: not listed). */
export interface LeafSpec {
  name: string;
  ocspUrl: string | null;
  status: 'good' | 'revoked' | 'unknown';
}

/** The PKI's files (PEM paths). */
export interface Pki {
  dir: string;
  root: KeyPair;
  inter: KeyPair;
  ocspSigner: KeyPair;
  /** Issued by the intermediate but without the OCSPSigning extended key usage (not a valid delegate). */
  signerWithoutOcspUsage: KeyPair;
  /** Intermediate followed by root: the CA chain of every leaf. */
  issuerChain: string;
  foreignRoot: KeyPair;
  foreignSigner: KeyPair;
  selfSigned: Leaf;
  leaves: Record<string, Leaf>;
  /** `openssl ocsp -index` database of the intermediate CA (V/R lines; `unknown` leaves are absent). */
  index: string;
}

const EXTENSIONS = `
[v3_root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[v3_inter]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:${CA_ISSUERS.root}

[v3_ocsp]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_noeku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_selfsigned]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:${TEST_HOST}
subjectKeyIdentifier = hash
`;

function leafSection(name: string, ocspUrl: string | null): string {
  return `
[v3_leaf_${name}]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:${TEST_HOST}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = ${ocspUrl ? `OCSP;URI:${ocspUrl},` : ''}caIssuers;URI:${CA_ISSUERS.intermediate}
`;
}

/** `YYMMDDHHMMSSZ`, the time format of an `openssl ca` index. */
function indexTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/**
 * Create the PKI in `dir` (created if needed).
 * @param leaves the leaves to issue from the intermediate, with their OCSP URI and index status
 * @returns the file paths; takes about a second (each `openssl` call is a few ms)
 * @throws when an `openssl` command fails (its stderr is in the message)
 */
export async function createPki(dir: string, leaves: LeafSpec[], o: { rootSubject?: string } = {}): Promise<Pki> {
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  const ext = f('extensions.cnf');
  fs.writeFileSync(ext, EXTENSIONS + leaves.map((l) => leafSection(l.name, l.ocspUrl)).join(''));
  let serial = 0x1000;

  const key = async (name: string) => {
    await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`)]);
    return f(`${name}.key`);
  };
  /** Issue `name` for `subject` signed by `ca` (or self-signed when `ca` is null). */
  const issue = async (name: string, subject: string, section: string, ca: KeyPair | null): Promise<KeyPair & { serial: string }> => {
    const k = await key(name);
    const csr = f(`${name}.csr`);
    await runOk('openssl', ['req', '-new', '-key', k, '-subj', subject, '-out', csr]);
    const s = (serial++).toString(16).toUpperCase();
    const signer = ca ? ['-CA', ca.cert, '-CAkey', ca.key] : ['-key', k];
    await runOk('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      ...signer,
      '-set_serial',
      `0x${s}`,
      '-days',
      '30',
      '-extfile',
      ext,
      '-extensions',
      section,
      '-out',
      f(`${name}.pem`),
    ]);
    fs.rmSync(csr);
    return { cert: f(`${name}.pem`), key: k, serial: s };
  };

  const root = await issue('root-ca', o.rootSubject ?? '/O=stapling-doctor tests/CN=Stapling Test Root CA', 'v3_root', null);
  const inter = await issue('intermediate-ca', '/O=stapling-doctor tests/CN=Stapling Test Intermediate CA', 'v3_inter', root);
  const ocspSigner = await issue('ocsp-signer', '/O=stapling-doctor tests/CN=Stapling Test OCSP Signer', 'v3_ocsp', inter);
  const signerWithoutOcspUsage = await issue(
    'signer-without-ocsp-usage',
    '/O=stapling-doctor tests/CN=Stapling Test Web Server (not an OCSP signer)',
    'v3_noeku',
    inter,
  );
  const foreignRoot = await issue('foreign-root-ca', '/O=Some Other CA/CN=Foreign Root CA', 'v3_root', null);
  const foreignSigner = await issue('foreign-ocsp-signer', '/O=Some Other CA/CN=Foreign OCSP Signer', 'v3_ocsp', foreignRoot);
  const issuerChain = f('issuer-chain.pem');
  fs.writeFileSync(issuerChain, fs.readFileSync(inter.cert, 'utf8') + fs.readFileSync(root.cert, 'utf8'));

  const selfKp = await issue('self-signed', `/CN=${TEST_HOST}`, 'v3_selfsigned', null);
  const selfSigned: Leaf = { name: 'self-signed', ...selfKp, fullchain: selfKp.cert, ocspUrl: null };

  const out: Record<string, Leaf> = {};
  const expires = indexTime(new Date(Date.now() + 30 * 86_400_000));
  const revokedAt = indexTime(new Date(Date.now() - 3_600_000));
  const indexLines: string[] = [];
  for (const spec of leaves) {
    const kp = await issue(`leaf-${spec.name}`, `/CN=${TEST_HOST}`, `v3_leaf_${spec.name}`, inter);
    const fullchain = f(`leaf-${spec.name}-fullchain.pem`);
    fs.writeFileSync(fullchain, fs.readFileSync(kp.cert, 'utf8') + fs.readFileSync(inter.cert, 'utf8'));
    out[spec.name] = { name: spec.name, cert: kp.cert, key: kp.key, fullchain, serial: kp.serial, ocspUrl: spec.ocspUrl };
    if (spec.status === 'good') indexLines.push(`V\t${expires}\t\t${kp.serial}\tunknown\t/CN=${TEST_HOST}`);
    if (spec.status === 'revoked') indexLines.push(`R\t${expires}\t${revokedAt},keyCompromise\t${kp.serial}\tunknown\t/CN=${TEST_HOST}`);
  }
  const index = f('index.txt');
  fs.writeFileSync(index, indexLines.join('\n') + '\n');
  fs.writeFileSync(`${index}.attr`, 'unique_subject = no\n');

  return {
    dir,
    root,
    inter,
    ocspSigner,
    signerWithoutOcspUsage,
    issuerChain,
    foreignRoot,
    foreignSigner,
    selfSigned,
    leaves: out,
    index,
  };
}

/** `YYYYMMDDHHMMSSZ`, the GeneralizedTime `openssl ca -startdate/-enddate` take. */
function generalizedTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** What {@link issueDated} issues: a leaf of the PKI's sections or an intermediate CA, valid from `notBefore`. */
export interface DatedSpec {
  name: string;
  /** `leaf`: for {@link TEST_HOST} with the extensions of leaf `section` of the PKI; `intermediate`: `v3_inter`. */
  kind: 'leaf' | 'intermediate';
  /** The leaf spec name whose extension section a leaf takes (`good` → `v3_leaf_good`). */
  section?: string;
  ca: KeyPair;
  notBefore: Date;
  /** Validity in days from `notBefore`. */
  days: number;
  /**
   * Another certificate's subject (slash form) and private key to certify instead of a new key: a cross-sign or
   * re-issue of that CA (same subject and key, another issuer or other dates). Only with `kind: 'intermediate'`.
   */
  twinOf?: { subject: string; key: string };
}

/**
 * Issue a certificate whose notBefore is `notBefore` (in the future, for a certificate not valid yet), with
 * `openssl ca -startdate/-enddate` (OpenSSL 1.0+; `openssl x509 -not_before` needs 3.4). The CA database is a
 * throw-away one in `pki.dir/dated-<name>`; the PKI's index is not touched.
 * @returns the certificate and key (PEM file paths)
 * @throws when an `openssl` command fails
 */
export async function issueDated(pki: Pki, spec: DatedSpec): Promise<KeyPair> {
  const dir = path.join(pki.dir, `dated-${spec.name}`);
  fs.mkdirSync(dir, { recursive: true });
  const f = (n: string) => path.join(dir, n);
  fs.writeFileSync(f('index.txt'), '');
  fs.writeFileSync(f('serial'), '2000\n');
  const config = `[ca]\ndefault_ca = dated\n[dated]\ndatabase = ${f('index.txt')}\nnew_certs_dir = ${dir}\nserial = ${f('serial')}\ndefault_md = sha256\npolicy = anything\nunique_subject = no\n[anything]\norganizationName = optional\ncommonName = supplied\n`;
  fs.writeFileSync(f('ca.cnf'), config);
  const subject =
    spec.twinOf?.subject ??
    (spec.kind === 'leaf' ? `/CN=${TEST_HOST}` : `/O=stapling-doctor tests/CN=Stapling Test Intermediate CA (${spec.name})`);
  const key = spec.twinOf?.key ?? f('key.pem');
  if (!spec.twinOf) await runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  await runOk('openssl', ['req', '-new', '-key', key, '-subj', subject, '-out', f('req.csr')]);
  const notAfter = new Date(spec.notBefore.getTime() + spec.days * 86_400_000);
  await runOk('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    f('ca.cnf'),
    '-cert',
    spec.ca.cert,
    '-keyfile',
    spec.ca.key,
    '-in',
    f('req.csr'),
    '-startdate',
    generalizedTime(spec.notBefore),
    '-enddate',
    generalizedTime(notAfter),
    '-extfile',
    path.join(pki.dir, 'extensions.cnf'),
    '-extensions',
    spec.kind === 'leaf' ? `v3_leaf_${spec.section ?? 'good'}` : 'v3_inter',
    '-out',
    f('cert.pem'),
  ]);
  return { cert: f('cert.pem'), key };
}
