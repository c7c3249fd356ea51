// verdict.test.mjs -- table test of the device test's judgement (web/js/verdict.js)
// and its loss arithmetic (web/js/stats.js): pure modules, no browser, no server.
// Run as `node tests/e2e/verdict.test.mjs`; ends "verdict: N passed, M failed".

import { judge } from '../../web/js/verdict.js';
import { lossBetween } from '../../web/js/stats.js';

const base = { camera: 'ok', microphone: 'ok', micPeak: 0.6, network: null, measured: true, rtt: 0.02, loss: 0 };
const CASES = [
  // [name, facts (over base), expected camera, microphone, network status:key]
  ['all good', {}, 'ok:verdict.ok', 'ok:verdict.ok', 'ok:verdict.ok'],
  ['still measuring', { measured: false }, 'pending:verdict.pending', 'pending:verdict.pending', 'pending:verdict.pending'],
  ['permission denied', { camera: 'denied', microphone: 'denied', measured: false },
    'bad:cam.denied', 'bad:mic.denied', 'untested:verdict.untested'],
  ['no camera, mic works', { camera: 'missing' }, 'bad:cam.missing', 'ok:verdict.ok', 'ok:verdict.ok'],
  ['camera busy', { camera: 'busy' }, 'bad:cam.busy', 'ok:verdict.ok', 'ok:verdict.ok'],
  ['mic silent', { micPeak: 0.1 }, 'ok:verdict.ok', 'warn:mic.silent', 'ok:verdict.ok'],
  ['ICE failed', { measured: false, network: 'blocked' }, 'ok:verdict.ok', 'ok:verdict.ok', 'bad:net.blocked'],
  ['server unreachable', { measured: false, network: 'unreachable' }, 'ok:verdict.ok', 'ok:verdict.ok', 'bad:net.unreachable'],
  ['server busy (refused at once, nothing heard yet)', { measured: false, network: 'busy', micPeak: 0 },
    'ok:verdict.ok', 'untested:verdict.notRun', 'bad:net.busy'],
  ['high round trip', { rtt: 0.45 }, 'ok:verdict.ok', 'ok:verdict.ok', 'warn:net.weak'],
  ['high loss', { loss: 0.08 }, 'ok:verdict.ok', 'ok:verdict.ok', 'warn:net.weak'],
  ['no rtt yet', { rtt: null, loss: null }, 'ok:verdict.ok', 'ok:verdict.ok', 'ok:verdict.ok'],
  ['straight to the server', { path: 'direct' }, 'ok:verdict.ok', 'ok:verdict.ok', 'ok:net.direct'],
  ['through the relay', { path: 'relay' }, 'ok:verdict.ok', 'ok:verdict.ok', 'ok:net.relay'],
  ['through the relay, but weak', { path: 'relay', rtt: 0.5 }, 'ok:verdict.ok', 'ok:verdict.ok', 'warn:net.weak'],
  ['blocked wins over a path seen before', { measured: false, network: 'blocked', path: 'relay' }, 'ok:verdict.ok', 'ok:verdict.ok', 'bad:net.blocked'],
];

let passed = 0;
let failed = 0;
const show = (v) => `${v.status}:${v.key}`;
for (const [name, over, cam, mic, net] of CASES) {
  const v = judge({ ...base, ...over });
  const got = [show(v.camera), show(v.microphone), show(v.network)];
  const ok = got.join() === [cam, mic, net].join() && v.done === ![cam, mic, net].some((x) => x.startsWith('pending'));
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} - judge: ${name}${ok ? '' : `: got ${got.join(' | ')} done=${v.done}`}`);
}

const sample = (vr, vl, ar, al) => ({ videoPacketsReceived: vr, videoPacketsLost: vl, audioPacketsReceived: ar, audioPacketsLost: al });
const LOSS = [
  ['no traffic', sample(0, 0, 0, 0), sample(0, 0, 0, 0), null],
  ['10 lost of 100', sample(100, 0, 50, 0), sample(180, 5, 60, 5), 0.1],
  ['none lost', sample(0, 0, 0, 0), sample(300, 0, 100, 0), 0],
];
for (const [name, a, b, want] of LOSS) {
  const got = lossBetween(a, b);
  const ok = want === null ? got === null : Math.abs(got - want) < 1e-9;
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} - lossBetween: ${name}${ok ? '' : `: got ${got}, want ${want}`}`);
}

console.log(`verdict: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
