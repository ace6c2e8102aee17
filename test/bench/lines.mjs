/**
 * Line shapes for the benchmark inputs, all seeded (see {@link prng}) so that the same version of this
 * file gives the same bytes. Each template says where its shape comes from; the varying parts (times,
 * pids, thread ids, client addresses, connection numbers, certificate paths) are filled in at random.
 *
 * - noise: what fills a busy Apache/nginx error log (404s, handshake failures, upstream timeouts, PHP
 *   warnings, …) and contains no rule trigger, except the nginx proxy DNS failure (1 % of the noise);
 * - look-alikes: lines that contain a rule trigger but are not stapling (proxy `could not be resolved`,
 *   Apache client-certificate OCSP, nginx `ssl_ocsp` client verification);
 * - stapling: the real captures of samples/real/ and the rules' own match samples (case a), and the
 *   per-handshake / per-refresh failure sequences of a densely failing server (case c, case e).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Bump when any generator's output changes: cached inputs of another version are rebuilt. */
export const GEN_VERSION = 3;

/** mulberry32: small, fast, seeded PRNG; returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const WD = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MO = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const EPOCH = Date.UTC(2026, 10, 21);
const int = (rnd, n) => Math.floor(rnd() * n);
const pick = (rnd, xs) => xs[int(rnd, xs.length)];

/** Both servers' time stamps for second `t` of the log: nginx `2026/11/21 00:00:07`, Apache `Sat Nov 21 00:00:07.123456 2026`. */
export function stamps(rnd, t) {
  const d = new Date(EPOCH + t * 1000);
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return {
    ng: `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${hms}`,
    ap: `${WD[d.getUTCDay()]} ${MO[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${hms}.${pad(int(rnd, 1e6), 6)} ${d.getUTCFullYear()}`,
  };
}

const ip = (rnd) => `${int(rnd, 223) + 1}.${int(rnd, 255)}.${int(rnd, 255)}.${int(rnd, 254) + 1}`;

/** Worker identity of one line or one sequence: nginx pid, Apache pid/tid, connection number, client. */
function who(rnd) {
  const pid = 1000 + int(rnd, 30000);
  return { pid, tid: pid + 1 + int(rnd, 64), cid: int(rnd, 9e6), ip: ip(rnd), port: 32768 + int(rnd, 28000) };
}

/**
 * nginx proxy DNS failure: ngx_http_upstream_resolve_handler() logs `"%V could not be resolved (%i: %s)"`
 * on the request's connection log (nginx src/http/ngx_http_upstream.c), so the line has `*CID` and the
 * request context; shape as in rules/nginx-responder-unresolved.yaml (nomatch sample, catalogue §3.4).
 * It contains the trigger ` could not be resolved (` of the stapling rule, which it must not match.
 */
export function proxyDnsLine(rnd, t) {
  const { ng } = stamps(rnd, t);
  const w = who(rnd);
  const host = pick(rnd, ['backend-api', 'app', 'auth.internal', 'api.svc.cluster.local', 'upstream-blue', 'search.internal']);
  const err = pick(rnd, ['3: Host not found', '3: Host not found', '2: Server failure', '110: Operation timed out']);
  const site = pick(rnd, ['example.com', 'shop.example.com', 'api.example.net']);
  return `${ng} [error] ${w.pid}#${w.pid}: *${w.cid} ${host} could not be resolved (${err}), client: ${w.ip}, server: ${site}, request: "GET /api/v1/items/${int(rnd, 1e5)} HTTP/1.1", host: "${site}"`;
}

/** Noise: busy-server lines without a rule trigger (and the proxy DNS look-alike, 1 % of them). */
export function noiseLine(rnd, t) {
  if (rnd() < 0.01) return proxyDnsLine(rnd, t);
  const { ng, ap } = stamps(rnd, t);
  const w = who(rnd);
  const n = int(rnd, 10000);
  switch (int(rnd, 8)) {
    case 0:
      return `${ng} [error] ${w.pid}#${w.pid}: *${w.cid} open() "/var/www/html/wp-content/uploads/${n}.jpg" failed (2: No such file or directory), client: ${w.ip}, server: example.com, request: "GET /wp-content/uploads/${n}.jpg HTTP/1.1", host: "example.com", referrer: "https://example.com/blog/${n}"`;
    case 1:
      return `${ng} [error] ${w.pid}#${w.pid}: *${w.cid} upstream timed out (110: Connection timed out) while reading response header from upstream, client: ${w.ip}, server: api.example.com, request: "POST /v1/orders/${n} HTTP/1.1", upstream: "http://127.0.0.1:8080/v1/orders/${n}", host: "api.example.com"`;
    case 2:
      return `${ng} [info] ${w.pid}#${w.pid}: *${w.cid} SSL_do_handshake() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking, client: ${w.ip}, server: 0.0.0.0:443`;
    case 3:
      return `[${ap}] [proxy_fcgi:error] [pid ${w.pid}:tid ${w.tid}] [client ${w.ip}:${w.port}] AH01071: Got error 'PHP message: PHP Warning:  Undefined array key "id" in /var/www/html/index.php on line ${n % 500}', referer: https://example.com/`;
    case 4:
      return `[${ap}] [core:error] [pid ${w.pid}:tid ${w.tid}] [client ${w.ip}:${w.port}] AH00128: File does not exist: /var/www/html/.env${n}`;
    case 5:
      return `[${ap}] [ssl:info] [pid ${w.pid}:tid ${w.tid}] [client ${w.ip}:${w.port}] AH01964: Connection to child ${n % 64} established (server example.com:443)`;
    case 6:
      return `[${ap}] [ssl:warn] [pid ${w.pid}:tid ${w.tid}] AH01909: www${n % 9}.example.com:443:0 server certificate does NOT include an ID which matches the server name`;
    default:
      return `${ng} [warn] ${w.pid}#${w.pid}: *${w.cid} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/${n % 10}/${n} while reading upstream, client: ${w.ip}, server: example.com, request: "GET /download/${n}.zip HTTP/1.1"`;
  }
}

/** Real stapling lines: samples/real/*.log (captured from real servers), then the rules' match samples. */
export function staplingPool(root, rules) {
  const lines = [];
  const realDir = path.join(root, 'samples/real');
  for (const f of fs
    .readdirSync(realDir)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    for (const l of fs.readFileSync(path.join(realDir, f), 'utf8').split('\n')) if (l.trim()) lines.push(l);
  }
  for (const r of rules) for (const s of r.samples.match) lines.push(s.line);
  return lines;
}

// ---------- look-alikes (case b) ----------

const CAPTURED_APACHE = 'test/catalogue/captured/apache-2.4.68-openssl-3.0.19.log';
const CAPTURED_NGINX = 'test/catalogue/captured/nginx-1.22.1-openssl-3.0.19.log';

/** The AH02276 line that ends every client-certificate OCSP failure in the Apache capture. */
function ah02276(rnd, ap, w) {
  const serial = Array.from({ length: 20 }, () => pad(int(rnd, 256).toString(16).toUpperCase())).join('');
  return `[${ap}] [ssl:info] [pid ${w.pid}:tid ${w.tid}] [client ${w.ip}:${w.port}] AH02276: Certificate Verification: Error (50): application verification failure [subject: O=Example Corp,CN=Client Issuing CA / issuer: O=Example Corp,CN=Client Root CA / serial: ${serial} / notbefore: Nov 22 01:54:13 2026 GMT / notafter: Nov 23 01:54:13 2027 GMT]`;
}

/**
 * Apache client-certificate OCSP (`SSLOCSPEnable`): a responder transport line shared with stapling
 * (AH01974/AH01977/AH01980/AH01988) or a client-OCSP result (AH01924/AH01922), then AH02276 in the same
 * thread. Sequences as captured in CAPTURED_APACHE lines 180-197 (catalogue §2.6).
 */
export function apacheClientOcsp(rnd, t) {
  const { ap } = stamps(rnd, t);
  const w = who(rnd);
  const h = `[${ap}] [ssl:error] [pid ${w.pid}:tid ${w.tid}]`;
  const c = `[client ${w.ip}:${w.port}]`;
  const resp = pick(rnd, ["'ocsp.client-ca.example.com:80'", "'10.20.0.15:2560'", "'127.0.0.1:27881'"]);
  const first = pick(rnd, [
    [`${h} (111)Connection refused: ${c} AH01974: could not connect to OCSP responder ${resp}`],
    [`${h} AH01924: Bad OCSP responder answer (bad nonce)`],
    [`${h} AH01922: OCSP response not successful: 6`],
    [
      `${h} (70007)The timeout specified has expired: ${c} AH01977: failed reading line from OCSP server`,
      `${h} ${c} AH01980: bad response from OCSP server: (none)`,
    ],
    [
      `${h} ${c} AH01988: failed to decode OCSP response data`,
      `${h} SSL Library Error: error:0680008E:asn1 encoding routines::not enough data`,
    ],
    [`${h} ${c} AH01980: bad response from OCSP server: 403 Forbidden`],
  ]);
  return [...first, ah02276(rnd, ap, w)];
}

/**
 * nginx client-certificate OCSP (`ssl_ocsp on`, 1.19.0+): the stapling code's messages, but logged on the
 * connection (`*CID`, no `certificate:`). Shapes as captured in CAPTURED_NGINX lines 207-215 (catalogue §3.4).
 */
export function nginxSslOcsp(rnd, t) {
  const { ng } = stamps(rnd, t);
  const w = who(rnd);
  const h = `${ng} [error] ${w.pid}#${w.pid}: *${w.cid}`;
  const ctx = `while requesting certificate status, responder: ${pick(rnd, ['ocsp.client-ca.example.com', '10.20.0.15'])}, peer: 10.20.0.15:80`;
  return pick(rnd, [
    [`${h} OCSP_basic_verify() failed (SSL: error:13800076:OCSP routines::signer certificate not found) ${ctx}`],
    [`${h} OCSP_check_validity() failed (SSL: error:1380007D:OCSP routines::status expired) ${ctx}`],
    [`${h} recv() failed (111: Connection refused) ${ctx}`, `${h} OCSP responder prematurely closed connection ${ctx}`],
    [`${h} OCSP response not successful (6: unauthorized) ${ctx}`],
  ]);
}

/** Look-alike sequences of case (b), by weight; each returns the lines of one event. */
export const LOOKALIKES = [
  { name: 'nginx proxy DNS failure', weight: 5, make: (rnd, t) => [proxyDnsLine(rnd, t)], source: 'nginx ngx_http_upstream.c' },
  { name: 'Apache client-certificate OCSP', weight: 3, make: apacheClientOcsp, source: CAPTURED_APACHE },
  { name: 'nginx ssl_ocsp client verification', weight: 2, make: nginxSslOcsp, source: CAPTURED_NGINX },
];

// ---------- dense stapling failures (case c) and many certificates (case e) ----------

const RESPONDERS = ['ocsp.sectigo.com', 'ocsp.digicert.com', 'r3.o.lencr.org', 'ocsp.globalsign.com'];

/**
 * Apache with a dead or slow responder: every handshake that needs a fresh response logs the transport
 * failure and AH01941 in the same thread. Sequences as captured in samples/real/apache-responder-down.log
 * (AH01974 + AH01941), apache-responder-timeout.log (AH01977 + AH01980 + AH01941) and
 * apache-dns-failure.log (AH01972 + AH01941).
 */
export function apacheHandshakeFailure(rnd, t) {
  const { ap } = stamps(rnd, t);
  const w = who(rnd);
  const h = `[${ap}] [ssl:error] [pid ${w.pid}:tid ${w.tid}]`;
  const c = `[client ${w.ip}:${w.port}]`;
  const r = pick(rnd, RESPONDERS);
  const first = pick(rnd, [
    [`${h} (111)Connection refused: ${c} AH01974: could not connect to OCSP responder '${r}'`],
    [
      `${h} (70007)The timeout specified has expired: ${c} AH01977: failed reading line from OCSP server`,
      `${h} ${c} AH01980: bad response from OCSP server: (none)`,
    ],
    [`${h} (EAI 2)Name or service not known: ${c} AH01972: could not resolve address of OCSP responder ${r}`],
  ]);
  return [...first, `${h} AH01941: stapling_renew_response: responder error`];
}

/** Certificate file of certificate number k, as nginx prints it. */
export const certPath = (k) => `/etc/nginx/ssl/site-${k}.example.net/fullchain.pem`;

/**
 * nginx refreshing the staple of certificate k and failing; the kind of failure is fixed per certificate
 * (k % 3). Shapes as captured in samples/real/nginx-responder-timeout.log, nginx-responder-down.log
 * (recv() failed + prematurely closed) and nginx-dns-failure-resolver.log.
 */
export function nginxRefreshFailure(rnd, t, k) {
  const { ng } = stamps(rnd, t);
  const pid = 1000 + (k % 8);
  const r = RESPONDERS[k % RESPONDERS.length];
  const cert = `certificate: "${certPath(k)}"`;
  const h = `${ng} [error] ${pid}#${pid}:`;
  switch (k % 3) {
    case 0:
      return [
        `${h} OCSP responder timed out (110: Connection timed out) while requesting certificate status, responder: ${r}, peer: 192.0.2.${k % 250}:80, ${cert}`,
      ];
    case 1:
      return [
        `${h} recv() failed (111: Connection refused) while requesting certificate status, responder: ${r}, peer: 192.0.2.${k % 250}:80, ${cert}`,
        `${h} OCSP responder prematurely closed connection while requesting certificate status, responder: ${r}, peer: 192.0.2.${k % 250}:80, ${cert}`,
      ];
    default:
      return [`${h} ${r} could not be resolved (110: Operation timed out) while requesting certificate status, responder: ${r}, ${cert}`];
  }
}
