// verdict.js -- the device test's judgement, as a pure function of what was
// observed: device outcomes, whether media came back from the server, the
// microphone's peak level, round-trip time and loss. No DOM, no clock: the
// screen feeds it facts and shows the result; tests can feed it tables.

export const WEAK_RTT_S = 0.3;       // selected-pair round trip above this is weak
export const WEAK_LOSS = 0.05;       // more than 5 % of returned packets lost is weak
export const MIC_HEARD_LEVEL = 0.25; // meter level (0..1, about -45 dBFS) that counts as sound

/**
 * facts: {
 *   camera, microphone: null (not yet) | 'ok' | 'denied' | 'missing' | 'busy' | 'insecure' | 'error'
 *   micPeak: 0..1, the highest meter level so far
 *   network: null | 'unreachable' | 'unsupported' | 'shutdown' | 'lost' | 'blocked'
 *   measured: true once media came back and was measured for a while
 *   rtt: seconds or null, loss: 0..1 or null
 *   path: null (not known) | 'direct' (UDP or TCP straight to the server) | 'relay' (through TURN)
 * }
 * Returns {camera, microphone, network}, each {status: 'pending'|'ok'|'warn'|'bad'|'untested', key},
 * key being the i18n key of the text to show, and done: no part is pending.
 */
export function judge(f) {
  const finished = f.measured || Boolean(f.network);
  const camera = device(f.camera, 'cam', finished);
  let microphone = device(f.microphone, 'mic', finished);
  if (microphone.status === 'ok' && f.micPeak < MIC_HEARD_LEVEL) {
    // A server too busy to test refuses at once: the meter had no time to hear anything.
    microphone = f.network === 'busy' ? { status: 'untested', key: 'verdict.notRun' } : { status: 'warn', key: 'mic.silent' };
  }
  const network = judgeNetwork(f);
  const done = [camera, microphone, network].every((v) => v.status !== 'pending');
  return { camera, microphone, network, done };
}

function device(outcome, prefix, finished) {
  if (outcome && outcome !== 'ok') return { status: 'bad', key: `${prefix}.${outcome}` };
  if (outcome === 'ok' && finished) return { status: 'ok', key: 'verdict.ok' };
  return { status: 'pending', key: 'verdict.pending' };
}

function judgeNetwork(f) {
  if (f.network) return { status: 'bad', key: `net.${f.network}` };
  const noDevice = (x) => x && x !== 'ok';
  if (noDevice(f.camera) && noDevice(f.microphone)) return { status: 'untested', key: 'verdict.untested' };
  if (!f.measured) return { status: 'pending', key: 'verdict.pending' };
  if ((f.rtt !== null && f.rtt > WEAK_RTT_S) || (f.loss !== null && f.loss > WEAK_LOSS)) {
    return { status: 'warn', key: 'net.weak' };
  }
  if (f.path === 'relay') return { status: 'ok', key: 'net.relay' };
  if (f.path === 'direct') return { status: 'ok', key: 'net.direct' };
  return { status: 'ok', key: 'verdict.ok' };
}
