// sign.js -- a handwritten signature pad: a canvas drawn on with a finger, a
// pen or the mouse (pointer events, touch-action none so the page does not
// scroll under the finger), strokes kept so one can be taken back (撤销一笔)
// or all cleared, and a minimum amount of ink before the signature counts.
// The PNG it gives has a white background at the pad's size (at most 2x for
// sharp screens). Used by the petitioner's page (mine_notes.js) and the
// console's hearing page; no strings of its own (the callers label it).

/** Makes canvas a signature pad. minInk: CSS pixels of line needed before
 * ready(); onChange(pad) after every stroke, undo and clear. */
export function createSignaturePad(canvas, { minInk = 120, onChange = () => {} } = {}) {
  const strokes = [];
  let current = null;
  const ctx = canvas.getContext('2d');
  canvas.style.touchAction = 'none';

  function fit() {
    const r = canvas.getBoundingClientRect();
    const scale = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.max(1, Math.round(r.width * scale));
    canvas.height = Math.max(1, Math.round(r.height * scale));
    redraw();
  }

  function drawStroke(c, s, scale) {
    c.lineWidth = 3 * scale;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.strokeStyle = '#111';
    c.beginPath();
    s.forEach((p, i) => (i ? c.lineTo(p.x * scale, p.y * scale) : c.moveTo(p.x * scale, p.y * scale)));
    if (s.length === 1) c.lineTo(s[0].x * scale + 0.5, s[0].y * scale + 0.5);
    c.stroke();
  }

  function scaleOf() {
    const r = canvas.getBoundingClientRect();
    return r.width ? canvas.width / r.width : 1;
  }

  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (const s of strokes) drawStroke(ctx, s, scaleOf());
  }

  function point(ev) {
    const r = canvas.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  canvas.addEventListener('pointerdown', (ev) => {
    if (ev.button !== undefined && ev.button > 0) return;
    ev.preventDefault();
    canvas.setPointerCapture?.(ev.pointerId);
    current = [point(ev)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!current) return;
    ev.preventDefault();
    const events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
    for (const e of (events.length ? events : [ev])) current.push(point(e));
    redraw();
  });
  const end = () => {
    if (!current) return;
    current = null;
    onChange(pad);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  window.addEventListener('resize', fit);

  const pad = {
    /** Length of all lines drawn, in CSS pixels. */
    ink() {
      let n = 0;
      for (const s of strokes) for (let i = 1; i < s.length; i++) n += Math.hypot(s[i].x - s[i - 1].x, s[i].y - s[i - 1].y);
      return n;
    },
    ready() { return pad.ink() >= minInk; },
    empty() { return strokes.length === 0; },
    undo() { strokes.pop(); redraw(); onChange(pad); },
    clear() { strokes.length = 0; redraw(); onChange(pad); },
    fit,
    /** The signature as a data:image/png URL on white. */
    toDataURL() {
      const out = document.createElement('canvas');
      out.width = canvas.width;
      out.height = canvas.height;
      const c = out.getContext('2d');
      c.fillStyle = '#fff';
      c.fillRect(0, 0, out.width, out.height);
      for (const s of strokes) drawStroke(c, s, scaleOf());
      return out.toDataURL('image/png');
    },
  };
  fit();
  return pad;
}
