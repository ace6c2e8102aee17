/**
 * Unit tests of the shared extraction the rules rely on (src/parse/context.ts, the certificate-expiry
 * check in src/findings/causes/kit.ts and its `loggedAt` value from src/rules/match.ts). Lines are real: from
 * the reference catalogue or captured (test/catalogue/captured/).
 */
import { opensslBlock, opensslValues, parseOpensslErrors } from '../src/parse/context.js';
import { expiredNotAfter } from '../src/findings/causes/index.js';
import { renderFinding } from '../src/findings/render.js';
import { createMatcher } from '../src/rules/match.js';
import { analyze } from '../src/findings/analyzer.js';
import { loadRules } from '../src/rules/load.js';

describe('parseOpensslErrors', () => {
  test("Apache's `reason (data)` form keeps a data string that contains colons", () => {
    const e = parseOpensslErrors(
      'error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error (Verify error:unable to get local issuer certificate)',
    );
    expect(e).toEqual([
      {
        code: '27069065',
        lib: 'OCSP routines',
        func: 'OCSP_basic_verify',
        reason: 'certificate verify error',
        data: 'Verify error:unable to get local issuer certificate',
      },
    ]);
  });

  test("nginx's `reason:data` form, OpenSSL 3.x (empty function), data with parentheses", () => {
    const e = parseOpensslErrors(
      'error:80000002:system library::No such file or directory:calling fopen(/tmp/lab-rules/missing.der, rb) error:10000080:BIO routines::no such file',
    );
    expect(e.map((x) => [x.func, x.reason, x.data])).toEqual([
      ['', 'No such file or directory', 'calling fopen(/tmp/lab-rules/missing.der, rb)'],
      ['', 'no such file', null],
    ]);
  });
});

describe('opensslValues', () => {
  test('the first OCSP-library reason wins over a lower-level error queued before it', () => {
    const v = opensslValues('error:06880006:asn1 encoding routines::EVP lib error:13800075:OCSP routines::signature failure');
    expect(v.opensslReason).toBe('signature failure');
  });

  test('the first OCSP reason wins over the follow-up error after it', () => {
    const v = opensslValues('error:13800067:OCSP routines::missing ocspsigning usage error:13800070:OCSP routines::root ca not trusted');
    expect(v.opensslReason).toBe('missing ocspsigning usage');
  });

  test('without an OCSP-library entry the first entry is used', () => {
    expect(opensslValues('error:0680008E:asn1 encoding routines::not enough data').opensslReason).toBe('not enough data');
  });

  test('verifyError in the 1.x (no space), 3.x (space) and Apache (parenthesised) forms', () => {
    expect(
      opensslValues('error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get issuer certificate')
        .verifyError,
    ).toBe('unable to get issuer certificate');
    expect(opensslValues('error:13800065:OCSP routines::certificate verify error:Verify error: certificate has expired').verifyError).toBe(
      'certificate has expired',
    );
    expect(
      opensslValues(
        'error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error (Verify error:unable to get local issuer certificate)',
      ).verifyError,
    ).toBe('unable to get local issuer certificate');
  });
});

describe('opensslBlock', () => {
  test("drops mod_ssl's ` -- annotation` after an SSL Library Error", () => {
    // A real httpd 2.4 line (public issue text, 2018); the annotation comes from ssl_log_annotate().
    const block = opensslBlock(
      'SSL Library Error: error:0906D06C:PEM routines:PEM_read_bio:no start line (Expecting: DH PARAMETERS) -- Bad file contents or format - or even just a forgotten SSLCertificateKeyFile?',
    );
    expect(block).toBe('error:0906D06C:PEM routines:PEM_read_bio:no start line (Expecting: DH PARAMETERS)');
    expect(parseOpensslErrors(block!)[0]).toMatchObject({ reason: 'no start line', data: 'Expecting: DH PARAMETERS' });
  });
});

describe('expired certificate (notafter before the line that printed it)', () => {
  const expiredLine =
    "[Mon Nov 23 01:56:34.134999 2026] [ssl:error] [pid 10912:tid 10912] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=expiredcert.stapling-lab.test / issuer: O=Stapling Lab,CN=Lab Issuing CA / serial: 1E5DC02874173F3E3725731F93F77AACAC8F2579 / notbefore: Aug 25 01:54:13 2026 GMT / notafter: Nov 22 01:54:13 2026 GMT]";

  test('expiredNotAfter is pure: it compares with the given line time only', () => {
    expect(expiredNotAfter({ notAfter: 'Nov 22 01:54:13 2026 GMT' }, { loggedAt: '2026-11-23T01:56:34.134999' })).toBe(
      'Nov 22 01:54:13 2026 GMT',
    );
    expect(expiredNotAfter({ notAfter: 'Nov 22 01:54:13 2026 GMT' }, { loggedAt: '2026-11-21T00:00:00' })).toBeNull();
    expect(expiredNotAfter({ notAfter: 'Nov 22 01:54:13 2026 GMT' }, {})).toBeNull();
    expect(expiredNotAfter({ notAfter: 'not a time' }, { loggedAt: '2026-11-23T01:56:34' })).toBeNull();
  });

  test('the matcher gives suffix lines their own time as loggedAt', async () => {
    const hit = createMatcher(await loadRules()).matchAll(expiredLine)[0]!;
    expect(hit.values).toMatchObject({ notAfter: 'Nov 22 01:54:13 2026 GMT', loggedAt: '2026-11-23T01:56:34.134999' });
  });

  test('the finding says that the certificate expired and the fix starts with replacing it', async () => {
    const f = renderFinding(analyze([expiredLine], await loadRules()).findings[0]!);
    expect(f.message).toMatch(/The certificate itself expired on Nov 22 01:54:13 2026 GMT/);
    expect(f.fix.steps[0]!.action).toBe('replace-certificate');
  });

  test('a certificate still valid at the time of the line is not called expired', async () => {
    const line =
      "[Sat Jun 01 18:02:11.467856 2019] [ssl:error] [pid 4676:tid 664] AH02217: ssl_stapling_init_cert: can't retrieve issuer certificate! [subject: CN=Apache Managed Domain Fallback / issuer: CN=Apache Managed Domain Fallback / serial: 67AB5A455D2E5289FE4EFBD707CB73FA361D88C7 / notbefore: May 29 19:48:11 2019 GMT / notafter: Jun 12 19:48:11 2019 GMT]";
    const f = renderFinding(analyze([line], await loadRules()).findings[0]!);
    expect(f.message).not.toMatch(/expired/);
    expect(f.fix.steps[0]!.action).not.toBe('replace-certificate');
  });
});
