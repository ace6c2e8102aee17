#!/usr/bin/env node
/**
 * A stand-in omprog program for the fleet harness (test/fleet/): it speaks rsyslog's omprog
 * `confirmMessages="on"` protocol (rsyslog/rsyslog: plugins/external/INTERFACE.md) and records what it
 * receives, so that tests can prove the plumbing before stapling-doctor itself is the program.
 *
 * Usage (as omprog's `binary`, which rsyslog splits on spaces and execve()s without a PATH lookup):
 *   /usr/bin/node /abs/test/fleet/stub-omprog.mjs /abs/out.ndjson
 *
 * Protocol: writes `OK` once when ready, then reads one message per line from stdin and answers `OK`
 * per message, after the record of that message is on disk. It ends on EOF (exit 0) and on TERM
 * (exit 0, what rsyslog sends first when `signalOnClose="on"`). HUP is recorded and ignored (omprog
 * forwards rsyslogd's HUP when `hup.signal="HUP"`).
 *
 * The output file gets one JSON object per line: `{"event":"start"|"line"|"reply"|"eof"|"term"|"hup",
 * "pid":n,"t":ms-since-epoch, "line"?: the message as received, "reply"?: what was answered}`.
 *
 * Test hooks, triggered by a marker in the message (markers are test control data, never log lines):
 * - `STUB-NAK-ONCE`: the first delivery of that exact message is answered `ERROR stub nak` (a negative
 *   confirmation: rsyslog keeps the message and retries it after `action.resumeInterval`), later ones `OK`.
 * - `STUB-HANG-ONCE`: the first delivery is never answered (rsyslog restarts the program after
 *   `confirmTimeout`); later ones `OK`.
 * - `STUB-KEEPALIVE`: writes a `.` every 250 ms for 2.5 s before `OK` (keep-alive: each dot restarts
 *   rsyslog's `confirmTimeout`).
 * "First delivery" is remembered in the output file, so it survives the restarts rsyslog makes.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { setInterval, clearInterval } from 'node:timers';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: stub-omprog.mjs OUTPUT_FILE\n');
  process.exit(2);
}

const record = (event, extra = {}) => fs.appendFileSync(out, JSON.stringify({ event, pid: process.pid, t: Date.now(), ...extra }) + '\n');
const reply = (text) => fs.writeSync(1, text);

/** Messages this program (or an earlier instance of it) has already been given. */
function seenBefore(line) {
  let text;
  try {
    text = fs.readFileSync(out, 'utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((l) => {
    try {
      const r = JSON.parse(l);
      return r.event === 'line' && r.line === line;
    } catch {
      return false;
    }
  });
}

function keepAliveThenOk() {
  let dots = 0;
  const timer = setInterval(() => {
    reply('.');
    if (++dots === 10) {
      clearInterval(timer);
      reply('OK\n');
      record('reply', { reply: `${'.'.repeat(dots)}OK` });
      rl.resume();
    }
  }, 250);
}

function handle(line) {
  const again = seenBefore(line);
  record('line', { line });
  if (line.includes('STUB-NAK-ONCE') && !again) {
    reply('ERROR stub nak\n');
    record('reply', { reply: 'ERROR stub nak' });
  } else if (line.includes('STUB-HANG-ONCE') && !again) {
    record('reply', { reply: null });
  } else if (line.includes('STUB-KEEPALIVE')) {
    rl.pause();
    keepAliveThenOk();
  } else {
    reply('OK\n');
  }
}

record('start', { argv: process.argv.slice(2) });
reply('OK\n');
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', handle);
rl.on('close', () => {
  record('eof');
  process.exit(0);
});
process.on('SIGTERM', () => {
  record('term');
  process.exit(0);
});
process.on('SIGHUP', () => record('hup'));
