/**
 * Unit tests of the shared extraction the rules rely on (src/parse/context.ts). Lines are real: from
 * the reference catalogue or captured (test/catalogue/captured/).
 */
import { opensslBlock, opensslValues, parseOpensslErrors } from '../src/parse/context.js';

describe('parseOpensslErrors', () => {
  test("Apache's `reason (data)` form keeps a data string that contains colons", () => {
    const e = parseOpensslErrors('error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error (Verify error:unable to get local issuer certificate)');
    expect(e).toEqual([
      { code: '27069065', lib: 'OCSP routines', func: 'OCSP_basic_verify', reason: 'certificate verify error', data: 'Verify error:unable to get local issuer certificate' },
    ]);
  });

  test("nginx's `reason:data` form, OpenSSL 3.x (empty function), data with parentheses", () => {
    const e = parseOpensslErrors('error:80000002:system library::No such file or directory:calling fopen(/tmp/lab-rules/missing.der, rb) error:10000080:BIO routines::no such file');
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
    expect(opensslValues('error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error:Verify error:unable to get issuer certificate').verifyError).toBe('unable to get issuer certificate');
    expect(opensslValues('error:13800065:OCSP routines::certificate verify error:Verify error: certificate has expired').verifyError).toBe('certificate has expired');
    expect(opensslValues('error:27069065:OCSP routines:OCSP_basic_verify:certificate verify error (Verify error:unable to get local issuer certificate)').verifyError).toBe('unable to get local issuer certificate');
  });
});

describe('opensslBlock', () => {
  test("drops mod_ssl's ` -- annotation` after an SSL Library Error", () => {
    // A real httpd 2.4 line (public issue text, 2018); the annotation comes from ssl_log_annotate().
    const block = opensslBlock('SSL Library Error: error:0906D06C:PEM routines:PEM_read_bio:no start line (Expecting: DH PARAMETERS) -- Bad file contents or format - or even just a forgotten SSLCertificateKeyFile?');
    expect(block).toBe('error:0906D06C:PEM routines:PEM_read_bio:no start line (Expecting: DH PARAMETERS)');
    expect(parseOpensslErrors(block!)[0]).toMatchObject({ reason: 'no start line', data: 'Expecting: DH PARAMETERS' });
  });
});
