/**
 * Apache httpd configuration reading: includes as httpd 2.4 expands them (directories recursively,
 * wildcards in any component, `Include` vs `IncludeOptional`) — checked against Apache's own
 * `-D DUMP_INCLUDES` on generated directory trees; `Define`/`${VAR}`, Debian's `envvars`,
 * `<IfModule>`/`<IfDefine>`; mod_ssl's inheritance; section errors where `apachectl -t` puts them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { fsConfigReader, parseEnvvars, readServerConfig, type ServerConfig } from '../src/inspect/config.js';
import { tempDir } from './helpers/cli.js';
import { CONFIG_FIXTURES, describeWithRealServers } from './helpers/config-lab.js';

const tmp = tempDir('sd-config-apache-');
afterAll(() => tmp.cleanup());

function write(name: string, text: string): string {
  const f = path.join(tmp.dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const read = (file: string): ServerConfig => readServerConfig(file, fsConfigReader(fs), 'apache');
const MODULES = '/usr/lib/apache2/modules';
/** What Debian's apache2 needs to pass `-t` in a directory of its own. */
const PREAMBLE = (dir: string) =>
  `ServerRoot ${dir}\nLoadModule mpm_event_module ${MODULES}/mod_mpm_event.so\nLoadModule authz_core_module ${MODULES}/mod_authz_core.so\nPidFile ${dir}/httpd.pid\nErrorLog ${dir}/error.log\nListen 127.0.0.1:9\nServerName preamble.example\n`;

describe('reading', () => {
  test('Include/IncludeOptional relative to ServerRoot (globs and directories), continuations, main-server values inherited', () => {
    const root = path.join(tmp.dir, 'inc');
    write(
      'inc/sites-enabled/one.conf',
      `<VirtualHost *:443>\n  ServerName one.example\n  ServerAlias www.one.example\n  SSLEngine on\n  SSLCertificateFile \\\n     "/c/one.pem"\n  SSLCertificateChainFile /c/chain.pem\n</VirtualHost>\n<VirtualHost *:80>\n  ServerName plain.example\n</VirtualHost>\n`,
    );
    write(
      'inc/conf.d/two.conf',
      `<IfModule ssl_module>\n<VirtualHost *:443>\n  ServerName two.example\n  SSLEngine on\n  SSLCertificateFile certs/two.pem\n  SSLCACertificateFile /c/own-ca.pem\n  SSLStaplingForceURL http://ocsp.two/\n</VirtualHost>\n</IfModule>\n`,
    );
    const main = write(
      'inc/apache2.conf',
      `# main\nServerRoot "${root}"\nSSLCACertificateFile /c/ca.pem\nIncludeOptional sites-enabled/*.conf\nInclude conf.d\nIncludeOptional nothing-here/*.conf\n`,
    );
    const c = read(main);
    expect(c.server).toBe('apache');
    expect(c.issues).toEqual([]);
    expect(c.sites.map((s) => [s.names, s.certificates, s.chainFiles, s.trustedFiles, s.forcedResponder, s.tls])).toEqual([
      [['one.example', 'www.one.example'], ['/c/one.pem'], ['/c/chain.pem'], ['/c/ca.pem'], null, true],
      [['plain.example'], [], [], ['/c/ca.pem'], null, false],
      [['two.example'], [path.join(root, 'certs/two.pem')], [], ['/c/own-ca.pem'], 'http://ocsp.two/', true],
    ]);
  });

  test("mod_ssl merging: a vhost has the main server's SSLCertificateFiles followed by its own (cfgMergeArray); the key id :N counts in that list", () => {
    const main = write(
      'merge/httpd.conf',
      'SSLEngine on\nSSLCertificateFile /c/main.pem\n<VirtualHost *:443>\n  ServerName v.example\n  SSLCertificateFile /c/v-ecdsa.pem\n</VirtualHost>\n',
    );
    const c = read(main);
    expect(c.sites.map((s) => [s.kind, s.certificates, `${s.line}`])).toEqual([
      ['main', ['/c/main.pem'], '2'],
      ['virtualhost', ['/c/main.pem', '/c/v-ecdsa.pem'], '3'],
    ]);
  });

  // The port is the block's own ServerName port, else 443 with SSLEngine on: real Apache 2.4.71 prints
  // `www.stapling.test:443:0` in AH02604 for a <VirtualHost 127.0.0.1:RANDOM> (samples/real/apache-issuer-missing.log).
  test('the vhost id (name:port) of each block, as mod_ssl prints it in AH02604', () => {
    const main = write(
      'ids/httpd.conf',
      'ServerName main.example\n<VirtualHost *:8443>\n SSLEngine on\n ServerName https://a.example\n</VirtualHost>\n<VirtualHost *:443>\n SSLEngine on\n ServerName b.example:4443\n</VirtualHost>\n<VirtualHost _default_:443>\n SSLEngine on\n</VirtualHost>\n<VirtualHost 127.0.0.1:443>\n SSLEngine on\n</VirtualHost>\n<VirtualHost *>\n SSLEngine on\n ServerName c.example\n</VirtualHost>\n',
    );
    expect(read(main).sites.map((s) => `${s.serverName}:${s.port}`)).toEqual([
      'a.example:443',
      'b.example:4443',
      'main.example:443',
      'null:443',
      'c.example:443',
    ]);
  });

  test('Define and ${VAR} (in arguments and section headers); an undefined variable stays as written, with a warning at its line', () => {
    const main = write(
      'vars/httpd.conf',
      'Define PORT 8443\nDefine CERTS /c\n<VirtualHost *:${PORT}>\n  SSLEngine on\n  SSLCertificateFile ${CERTS}/a.pem\n  SSLCACertificateFile ${NOWHERE}/ca.pem\n</VirtualHost>\nUnDefine CERTS\n<VirtualHost *:443>\n  SSLEngine on\n  SSLCertificateFile ${CERTS}/b.pem\n</VirtualHost>\n',
    );
    const c = read(main);
    // Left as written, `${NOWHERE}/ca.pem` is a relative path: under ServerRoot, as httpd reads it.
    const dir = path.dirname(main);
    expect(c.sites.map((s) => [s.listen, s.certificates, s.trustedFiles])).toEqual([
      [['*:8443'], ['/c/a.pem'], [`${dir}/\${NOWHERE}/ca.pem`]],
      [['*:443'], [`${dir}/\${CERTS}/b.pem`], []],
    ]);
    expect(c.issues.map((p) => [p.kind, p.line])).toEqual([
      ['variable', 6],
      ['variable', 11],
    ]);
  });

  test('<IfModule> follows the LoadModules read so far; <IfDefine> the Defines (an unknown name is read as defined, with a note; one Defined only in a skipped section is not defined); a <Macro> is read where it is used', () => {
    const main = write(
      'cond/httpd.conf',
      [
        'LoadModule ssl_module /m/mod_ssl.so',
        '<IfModule mod_ssl.c>\n<VirtualHost *:1>\nSSLEngine on\nSSLCertificateFile /c/ssl-loaded.pem\n</VirtualHost>\n</IfModule>',
        '<IfModule !ssl_module>\n<VirtualHost *:2>\nSSLEngine on\nSSLCertificateFile /c/not-ssl.pem\n</VirtualHost>\n</IfModule>',
        '<IfModule mod_gnutls.c>\n<VirtualHost *:3>\nSSLEngine on\nSSLCertificateFile /c/gnutls.pem\n</VirtualHost>\n</IfModule>',
        'Define WITH_B',
        '<IfDefine WITH_B>\n<VirtualHost *:4>\nSSLEngine on\nSSLCertificateFile /c/b.pem\n</VirtualHost>\n</IfDefine>',
        '<IfDefine !WITH_B>\n<VirtualHost *:5>\nSSLEngine on\nSSLCertificateFile /c/not-b.pem\n</VirtualHost>\n</IfDefine>',
        '<IfDefine FROM_COMMAND_LINE>\n<VirtualHost *:6>\nSSLEngine on\nSSLCertificateFile /c/maybe.pem\n</VirtualHost>\n</IfDefine>',
        '<Macro Site $name>\n<VirtualHost *:7>\nSSLEngine on\nSSLCertificateFile /c/$name.pem\n</VirtualHost>\n</Macro>\nUse Site x',
        // Debian's serve-cgi-bin.conf: a name Defined only under a module that is not loaded is known undefined (no note).
        '<IfModule mod_cgi.c>\n  Define WITH_CGI\n</IfModule>',
        '<IfDefine WITH_CGI>\n<VirtualHost *:8>\nSSLEngine on\nSSLCertificateFile /c/cgi.pem\n</VirtualHost>\n</IfDefine>',
        '<IfDefine !WITH_CGI>\n<VirtualHost *:9>\nSSLEngine on\nSSLCertificateFile /c/no-cgi.pem\n</VirtualHost>\n</IfDefine>',
      ].join('\n') + '\n',
    );
    const c = read(main);
    expect(c.sites.flatMap((s) => s.certificates)).toEqual(['/c/ssl-loaded.pem', '/c/b.pem', '/c/maybe.pem', '/c/x.pem', '/c/no-cgi.pem']);
    expect(c.issues.map((p) => [p.kind, p.severity, p.message.split(':')[0]])).toEqual([['note', 'note', '<IfDefine FROM_COMMAND_LINE>']]);
  });

  /**
   * mod_macro (httpd 2.4 modules/core/mod_macro.c; its manual's example: `<Macro VHost $name $domain>` …
   * `Use VHost example example.com`): each `Use` reads the body in place with the values put in.
   */
  test('mod_macro: each Use reads the body with its values (longest parameter first, @ quoted), nested, from another file; errors in httpd words', () => {
    write(
      'macro/macros.conf',
      '<Macro SSLSite $name $domain @chain>\n<VirtualHost *:443>\nServerName $domain\nSSLEngine on\nSSLUseStapling on\nSSLCertificateFile ${CERTS}/$name/$name.pem\nSSLCertificateChainFile @chain\n</VirtualHost>\n</Macro>\n',
    );
    const main = write(
      'macro/httpd.conf',
      [
        'LoadModule macro_module /m/mod_macro.so',
        'Define CERTS /etc/ssl/sites',
        'Include macro/macros.conf',
        '<IfModule macro_module>',
        '<Macro Pair $a $ab>\nUse SSLSite $ab $a.example /etc/ssl/chain-$a.pem\n</Macro>',
        '</IfModule>',
        'Use SSLSite shop shop.example.com "/etc/ssl/my chain.pem"',
        'Use Pair blog blogsite',
        'UndefMacro Pair',
        'Use Pair x y',
        'Use SSLSite only-two args',
        '<Macro Loop $x>\nUse Loop $x\n</Macro>\nUse Loop 1',
      ].join('\n') + '\n',
    );
    const c = readServerConfig(main, fsConfigReader(fs), { server: 'apache', root: path.dirname(path.dirname(main)) });
    expect(
      c.sites.filter((s) => s.kind === 'virtualhost').map((s) => [s.serverName, s.certificates, s.chainFiles, s.stapling, s.file, s.line]),
    ).toEqual([
      [
        'shop.example.com',
        ['/etc/ssl/sites/shop/shop.pem'],
        ['/etc/ssl/my chain.pem'],
        true,
        path.join(path.dirname(main), 'macros.conf'),
        2,
      ],
      [
        'blog.example',
        ['/etc/ssl/sites/blogsite/blogsite.pem'],
        ['/etc/ssl/chain-blog.pem'],
        true,
        path.join(path.dirname(main), 'macros.conf'),
        2,
      ],
    ]);
    expect(c.issues.map((p) => [p.kind, p.severity, p.line, p.message.replace(/"[^"]*"/g, 'F')])).toEqual([
      ['syntax', 'error', 12, "macro 'Pair' undefined"],
      ['syntax', 'error', 13, "macro 'SSLSite' (defined on line 1 of F) used on line 13 of F with 2 arguments instead of 3"],
      ['syntax', 'error', 15, "macro 'Loop' (defined on line 14 of F) used on line 15 of F: recursive use of macro 'Loop' is invalid"],
    ]);
  });

  test("Debian's envvars, read as data: APACHE_* with $SUFFIX, the shell it cannot evaluate skipped", () => {
    const text = fs.readFileSync(path.join(CONFIG_FIXTURES, 'debian-apache-shared-certificate/etc/apache2/envvars'), 'utf8');
    const vars = parseEnvvars(text, { APACHE_CONFDIR: '/etc/apache2' });
    expect(Object.fromEntries([...vars].filter(([k]) => k.startsWith('APACHE_')))).toEqual({
      APACHE_CONFDIR: '/etc/apache2',
      APACHE_RUN_USER: 'www-data',
      APACHE_RUN_GROUP: 'www-data',
      APACHE_PID_FILE: '/var/run/apache2/apache2.pid',
      APACHE_RUN_DIR: '/var/run/apache2',
      APACHE_LOCK_DIR: '/var/lock/apache2',
      APACHE_LOG_DIR: '/var/log/apache2',
    });
    expect(parseEnvvars('X=$(id -u)\nY=`id`\nZ=a;rm -rf /\nexport W="ok $X"\n')).toEqual(new Map([['W', 'ok ']]));
  });

  test('SSLStaplingCache inside a VirtualHost: the error httpd gives', () => {
    const main = write(
      'cache/httpd.conf',
      '<VirtualHost *:443>\nSSLEngine on\nSSLCertificateFile /c/x.pem\nSSLStaplingCache shmcb:/x(1)\n</VirtualHost>\n',
    );
    expect(read(main).issues).toEqual([
      expect.objectContaining({ kind: 'syntax', line: 4, message: 'SSLStaplingCache cannot occur within <VirtualHost> section' }),
    ]);
  });

  test.each([
    ['not loaded', 'LoadModule mpm_event_module m/e.so\n<IfModule mod_ssl.c>', [], 2],
    ['not loaded, the site in a nested section', 'LoadModule mpm_event_module m/e.so\n<IfModule mod_ssl.c>\n<IfDefine !NOPE>', [], 2],
    ['loaded', 'LoadModule ssl_module m/s.so\n<IfModule mod_ssl.c>', ['tls.example'], null],
    ['a negated condition (a plain-HTTP fallback)', 'LoadModule ssl_module m/s.so\n<IfModule !mod_ssl.c>', [], null],
    [
      'not loaded, mod_gnutls loaded (a configuration written for either)',
      'LoadModule gnutls_module m/g.so\n<IfModule mod_ssl.c>',
      [],
      null,
    ],
  ])('a site in <IfModule mod_ssl.c>, mod_ssl %s: a note says why no TLS block is there', (_, head, names, noteLine) => {
    const closes = head.includes('IfDefine') ? '</IfDefine>\n</IfModule>\n' : '</IfModule>\n';
    const dir = `hidden-${names.length}-${head.length}`;
    const conf = write(
      `${dir}/apache2.conf`,
      `${head}\n<VirtualHost *:443>\nServerName tls.example\nSSLEngine on\nSSLCertificateFile /c/t.pem\n</VirtualHost>\n${closes}`,
    );
    const c = read(conf);
    expect(c.sites.filter((x) => x.kind === 'virtualhost').map((x) => x.serverName)).toEqual(names);
    const notes = c.issues.filter((p) => p.kind === 'note');
    expect(notes).toEqual(
      noteLine === null
        ? []
        : [
            expect.objectContaining({
              line: noteLine,
              message: '<IfModule mod_ssl.c> is skipped with the virtual hosts in it: the module is not loaded (no LoadModule for it read)',
            }),
          ],
    );
  });

  test.each([
    ['the next close', '</VirtualHost> </IfModule>', ['one.example'], 'httpd ignores what follows </VirtualHost> on its line: </IfModule>'],
    ['a comment', '</VirtualHost>   # end of one', ['one.example'], 'httpd ignores what follows </VirtualHost> on its line: # end of one'],
    [
      'the next section, which is never opened',
      '</VirtualHost> <VirtualHost *:443>\nServerName lost.example',
      ['one.example'],
      'httpd ignores what follows </VirtualHost> on its line: <VirtualHost *:443>',
    ],
  ])('a closing tag followed by %s on its line: read as httpd does, with a warning', (_, close, names, warning) => {
    const dir = `trailing-${names.length}-${close.length}`;
    const conf = write(
      `${dir}/httpd.conf`,
      `LoadModule ssl_module modules/mod_ssl.so\n<IfModule ssl_module>\n<VirtualHost *:443>\nServerName one.example\nSSLEngine on\n${close}\n`,
    );
    const c = read(conf);
    expect(c.sites.filter((x) => x.kind === 'virtualhost').map((x) => x.serverName)).toEqual(names);
    expect(c.issues).toEqual([expect.objectContaining({ kind: 'syntax', severity: 'warning', line: 6, message: warning })]);
  });
});

describe('Include as httpd 2.4 expands it', () => {
  const tree = (dir: string) => {
    write(`${dir}/d/b.conf`, '');
    write(`${dir}/d/a.conf`, '');
    write(`${dir}/d/.hidden.conf`, '');
    write(`${dir}/d/sub/c.conf`, '');
    write(`${dir}/d/notes.txt`, '');
    write(`${dir}/sites/x/conf/x.conf`, '');
    write(`${dir}/sites/y/conf/y.conf`, '');
    write(`${dir}/sites/y/other.conf`, '');
  };

  test.each([
    ['Include d', ['d/.hidden.conf', 'd/a.conf', 'd/b.conf', 'd/notes.txt', 'd/sub/c.conf'], []],
    ['Include d/*.conf', ['d/a.conf', 'd/b.conf'], []],
    ['Include d/*', ['d/a.conf', 'd/b.conf', 'd/notes.txt', 'd/sub/c.conf'], []],
    ['Include sites/*/conf/*.conf', ['sites/x/conf/x.conf', 'sites/y/conf/y.conf'], []],
    ['Include d/*.none', [], ["No matches for the wildcard '*.none'"]],
    ['IncludeOptional d/*.none', [], []],
    ['IncludeOptional gone/*.conf', [], []],
    ['Include gone/*.conf', [], ['Could not open directory']],
    ['Include gone.conf', [], ['cannot read included']],
    ['IncludeOptional gone.conf', [], []],
  ])('%s', (directive, files, errors) => {
    const dir = `expand-${directive.replace(/\W+/g, '-')}`;
    tree(dir);
    const root = path.join(tmp.dir, dir);
    const c = read(write(`${dir}/httpd.conf`, `ServerRoot ${root}\n${directive}\n`));
    expect(c.files.slice(1).map((f) => path.relative(root, f))).toEqual(files);
    expect(c.issues.length).toBe(errors.length);
    errors.forEach((e, i) => expect(c.issues[i]!.message).toContain(e));
  });
});

describeWithRealServers('against Apache 2.4 itself', () => {
  const apache = (dir: string, conf: string, ...extra: string[]) =>
    spawnSync('apache2ctl', ['-d', dir, '-f', conf, '-t', ...extra], { encoding: 'utf8', timeout: 15_000 });

  test('generated directory trees: our files are those of -D DUMP_INCLUDES, in its order; we report an error exactly when httpd fails', async () => {
    const names = fc.constantFrom('a.conf', 'b.conf', '.h.conf', 'c.txt', 'z.conf~', 'sub', 'A.conf', '10.conf', '9.conf');
    const entry = fc.tuple(fc.array(fc.constantFrom('sub', 'x', '.d'), { maxLength: 2 }), names);
    const pattern = fc.constantFrom(
      'inc',
      'inc/*',
      'inc/*.conf',
      'inc/*/*.conf',
      'inc/[ab]*',
      'inc/?.conf',
      'inc/sub',
      'inc/nomatch*',
      'inc/*/sub/*',
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), pattern, fc.boolean(), async (entries, pat, optional) => {
        const dir = path.join(tmp.dir, `gen-${runs++}`);
        fs.mkdirSync(path.join(dir, 'inc'), { recursive: true });
        for (const [dirs, n] of entries) {
          const f = path.join(dir, 'inc', ...dirs, n);
          try {
            fs.mkdirSync(path.dirname(f), { recursive: true });
            if (!fs.existsSync(f)) fs.writeFileSync(f, '# generated\n');
          } catch {
            // a file where a directory was wanted (or the reverse): the tree keeps what was made
          }
        }
        const conf = path.join(dir, 'httpd.conf');
        fs.writeFileSync(conf, `${PREAMBLE(dir)}${optional ? 'IncludeOptional' : 'Include'} ${pat}\n`);
        const r = apache(dir, conf, '-D', 'DUMP_INCLUDES');
        const theirs = [...r.stdout.matchAll(/^ {4}\(\d+\) (.+)$/gm)].map((m) => m[1]!);
        const c = read(conf);
        expect(c.issues.some((p) => p.severity === 'error')).toBe(r.status !== 0);
        if (r.status === 0) expect(c.files.slice(1)).toEqual(theirs);
      }),
      { numRuns: 150, seed: 1693 },
    );
  }, 120_000);

  test.each([
    [
      'a stray close',
      '<VirtualHost *:443>\nSSLEngine on\n</VirtualHost>\n</VirtualHost>\n',
      4,
      '</VirtualHost> without matching <VirtualHost> section',
    ],
    [
      'a mismatched close',
      '<IfModule mpm_event_module>\n<VirtualHost *:443>\n</IfModule>\n</VirtualHost>\n',
      3,
      'Expected </VirtualHost> but saw </IfModule>',
    ],
    [
      'a mismatched close in a skipped section (reported at its opening)',
      '<IfModule ssl_module>\n<VirtualHost *:443>\n</IfModule>\n</VirtualHost>\n',
      1,
      'Expected </VirtualHost> but saw </IfModule>',
    ],
    ['an unclosed section', 'Listen 127.0.0.1:10\n<VirtualHost *:443>\nSSLEngine on\n', 2, '<VirtualHost> was not closed.'],
    [
      'an unclosed skipped section',
      'Listen 127.0.0.1:10\n<IfModule ssl_module>\n<VirtualHost *:443>\n</VirtualHost>\n',
      2,
      'Expected </IfModule> before end of configuration',
    ],
  ])('%s: the same line and words as httpd', (_, body, line, message) => {
    // (An unclosed <IfModule> whose module is loaded is accepted by httpd 2.4, and by us: see below.)
    const dir = path.join(tmp.dir, `syntax-${message.replace(/\W+/g, '-')}-${line}`);
    const conf = write(path.relative(tmp.dir, path.join(dir, 'httpd.conf')), `${PREAMBLE(dir)}${body}`);
    const offset = PREAMBLE(dir).split('\n').length - 1;
    const r = apache(dir, conf);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Syntax error on line ${line + offset} of ${conf}:`);
    expect(r.stderr.split('\n').filter((l) => l.includes('Syntax error'))).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(read(conf).issues).toContainEqual(expect.objectContaining({ kind: 'syntax', file: conf, line: line + offset, message }));
  });

  test.each([
    [
      'a closing tag without its ">"',
      '<VirtualHost *:443>\nSSLEngine on\n</VirtualHost >\n',
      3,
      "</VirtualHost> directive missing closing '>'",
    ],
    [
      'a section opened after a close on the same line (httpd ignores it)',
      '<VirtualHost *:443>\n</VirtualHost> <VirtualHost *:443>\nServerName b.example\n</VirtualHost>\n',
      4,
      '</VirtualHost> without matching <VirtualHost> section',
    ],
  ])('closing tags, %s: the same line and words as httpd', (_, body, line, message) => {
    const dir = path.join(tmp.dir, `close-${line}-${message.length}`);
    const conf = write(path.relative(tmp.dir, path.join(dir, 'httpd.conf')), `${PREAMBLE(dir)}${body}`);
    const offset = PREAMBLE(dir).split('\n').length - 1;
    const r = apache(dir, conf);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`Syntax error on line ${line + offset} of ${conf}:`);
    expect(r.stderr).toContain(message);
    expect(read(conf).issues.filter((p) => p.severity === 'error')).toEqual([
      expect.objectContaining({ kind: 'syntax', file: conf, line: line + offset, message }),
    ]);
  });

  test('generated sections with text after their closing tags: we fail exactly when httpd does, and read its virtual hosts (-D DUMP_VHOSTS) in its order', async () => {
    // Closing tags as people write them: alone, cased otherwise, with a comment, or with the next tag on
    // the same line (which httpd ignores); conditions that hold (mpm_event is loaded) and that do not (ssl).
    const close = (name: string) =>
      fc.constantFrom(
        `</${name}>`,
        `</${name.toLowerCase()}>`,
        `</${name}>  # done`,
        `</${name}> </IfModule>`,
        `</${name}> <VirtualHost 127.0.0.1:9>`,
        `</${name}>\t</${name}>`,
      );
    const piece = fc.oneof(
      fc.constant('open-vhost'),
      close('VirtualHost'),
      fc.constantFrom(
        '<IfModule mpm_event_module>',
        '<IfModule ssl_module>',
        '<IfModule !ssl_module>',
        '<IfDefine !NOPE>',
        '<Directory /srv>',
      ),
      close('IfModule'),
      close('Directory'),
      fc.constantFrom('</IfDefine>', '</IfModule >', '</IfModule>   ', 'Options None'),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 8 }), async (pieces) => {
        const dir = path.join(tmp.dir, `sections-${runs++}`);
        let n = 0;
        const body = pieces.map((p) => (p === 'open-vhost' ? `<VirtualHost 127.0.0.1:9>\nServerName v${++n}.example` : p)).join('\n');
        const conf = write(path.relative(tmp.dir, path.join(dir, 'httpd.conf')), `${PREAMBLE(dir)}${body}\n`);
        const r = apache(dir, conf, '-D', 'DUMP_VHOSTS');
        const c = read(conf);
        const errors = c.issues.filter((p) => p.severity === 'error');
        expect({ body, error: errors.length > 0 }).toEqual({ body, error: r.status !== 0 });
        if (r.status !== 0) {
          // httpd stops at its first error: when it is one of reading (not of a directive's handler,
          // such as a <VirtualHost> in a <VirtualHost>), it is one of ours, at the same line.
          const [, line, said] = /Syntax error on line (\d+) of [^:]+: (.*)$/m.exec(r.stderr) ?? [];
          if (said === undefined) return;
          const ours = errors.some((p) => p.line === Number(line) && said?.endsWith(p.message));
          expect({ body, said, ours }).toEqual({ body, said, ours: true });
          return;
        }
        // One virtual host on the address is listed on its own line, several as `port 9 namevhost …` lines.
        const out = r.stdout + r.stderr;
        const named = [...out.matchAll(/port 9 namevhost (\S+)/g)].map((m) => m[1]);
        const theirs = named.length > 0 ? named : [...out.matchAll(/^127\.0\.0\.1:9\s+(\S+) \(/gm)].map((m) => m[1]);
        expect(c.sites.filter((x) => x.kind === 'virtualhost').map((x) => x.serverName)).toEqual(theirs);
      }),
      { numRuns: 150, seed: 1693 },
    );
  }, 180_000);

  test('an unclosed condition that holds is accepted (httpd 2.4 says Syntax OK): no error from us either', () => {
    const dir = path.join(tmp.dir, 'unclosed-true');
    const conf = write('unclosed-true/httpd.conf', `${PREAMBLE(dir)}<IfModule mpm_event_module>\n<VirtualHost *:443>\n</VirtualHost>\n`);
    expect(apache(dir, conf).status).toBe(0);
    expect(read(conf).issues).toEqual([]);
  });

  test('mod_macro: the virtual hosts Apache makes of Use lines (-D DUMP_VHOSTS) are ours, in its order; a wrong Use fails both', () => {
    const dir = path.join(tmp.dir, 'real-macro');
    write(
      'real-macro/macros.conf',
      '<Macro Site $name $domain>\n<VirtualHost 127.0.0.1:9>\nServerName $domain\n</VirtualHost>\n</Macro>\n',
    );
    const body = (uses: string) =>
      `${PREAMBLE(dir)}LoadModule macro_module ${MODULES}/mod_macro.so\nInclude macros.conf\n<Macro Pair $a $ab>\nUse Site $ab $a.example\n</Macro>\n${uses}`;
    const good = write('real-macro/good.conf', body('Use Site shop shop.example.com\nUse Pair blog blogsite\nUse Site x x.example\n'));
    const r = apache(dir, good, '-D', 'DUMP_VHOSTS');
    expect(r.status).toBe(0);
    const theirs = [...(r.stdout + r.stderr).matchAll(/port 9 namevhost (\S+)/g)].map((m) => m[1]);
    const ours = readServerConfig(good, fsConfigReader(fs), { server: 'apache', root: dir }).sites.filter((x) => x.kind === 'virtualhost');
    expect(theirs.length).toBe(3);
    expect(ours.map((x) => x.serverName)).toEqual(theirs);
    const bad = write('real-macro/bad.conf', body('Use Site only-one\n'));
    expect(apache(dir, bad).status).not.toBe(0);
    const problems = readServerConfig(bad, fsConfigReader(fs), { server: 'apache', root: dir }).issues.filter(
      (p) => p.severity === 'error',
    );
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('with 1 arguments instead of 2')]);
  });
});
