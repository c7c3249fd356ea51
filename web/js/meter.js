// meter.js -- microphone level meter: a Web Audio AnalyserNode on one audio track,
// sampled ten times a second into a level from 0 to 1 (-60 dBFS .. 0 dBFS).
// It reads the track only; it never plays anything, so it cannot cause echo.

const FLOOR_DB = -60;

/** Starts metering track; onLevel(level) is called every 100 ms. Returns {stop, peak}. */
export function startMeter(track, onLevel) {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return { stop() {}, get peak() { return 0; } };
  const ctx = new Ctx();
  ctx.resume().catch(() => {});
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  let peak = 0;

  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const x of buf) sum += x * x;
    const rms = Math.sqrt(sum / buf.length);
    const db = rms > 0 ? 20 * Math.log10(rms) : FLOOR_DB;
    const level = Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
    if (level > peak) peak = level;
    onLevel(level);
  }, 100);

  return {
    get peak() { return peak; },
    stop() {
      clearInterval(timer);
      source.disconnect();
      ctx.close().catch(() => {});
    },
  };
}
