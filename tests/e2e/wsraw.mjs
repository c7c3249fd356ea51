// wsraw.mjs -- a raw websocket client for the hostile tests (RFC 6455 over
// TLS, HTTP/1.1 upgrade to /ws with subprotocol yuanfang.v1): it sends what
// a browser never would (oversized and fragmented frames, floods, bytes that
// are not JSON) and collects text messages and the close code and reason.
// Node 20 has no websocket client of its own, and one that checks its input
// could not send these.
import crypto from 'node:crypto';
import tls from 'node:tls';

/** Opens wss://127.0.0.1:port/ws from localAddress. Resolves with a client
 * (send, sendFrame, next, close, closed) once upgraded, or {refused: why}
 * when the server closes or resets before the upgrade. */
export function wsConnect(port, { localAddress = '127.0.0.1', path = '/ws' } = {}) {
  return new Promise((resolve) => {
    const key = crypto.randomBytes(16).toString('base64');
    const sock = tls.connect({ host: '127.0.0.1', port, localAddress, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const c = new WsClient(sock);
    sock.on('secureConnect', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: yuanfang.v1\r\n` +
        `Origin: https://127.0.0.1:${port}\r\n\r\n`);
    });
    sock.on('data', (d) => {
      if (upgraded) { c.feed(d); return; }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 101/.test(head)) { sock.destroy(); resolve({ refused: head.split('\r\n')[0] }); return; }
      upgraded = true;
      resolve(c);
      c.feed(buf.subarray(end + 4));
    });
    sock.on('error', (e) => { if (!upgraded) resolve({ refused: e.code || e.message }); });
    sock.on('close', () => { if (!upgraded) resolve({ refused: 'closed' }); c.onSocketClose(); });
  });
}

class WsClient {
  constructor(sock) {
    this.sock = sock;
    this.rx = Buffer.alloc(0);
    this.frag = [];
    this.inbox = [];
    this.waiters = [];
    this.closeCode = null;
    this.closeReason = '';
    this.isClosed = false;
    this.closed = new Promise((r) => { this.resolveClosed = r; });
  }

  /** A frame with fin/opcode as given, masked as a client must (mask: false to break that rule). */
  sendFrame(opcode, payload, { fin = true, mask = true } = {}) {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    const n = data.length;
    const head = [(fin ? 0x80 : 0) | opcode];
    const m = mask ? 0x80 : 0;
    if (n < 126) head.push(m | n);
    else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
    else { head.push(m | 127, 0, 0, 0, 0); const b = Buffer.alloc(4); b.writeUInt32BE(n); head.push(...b); }
    const parts = [Buffer.from(head)];
    if (mask) {
      const k = crypto.randomBytes(4);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = data[i] ^ k[i & 3];
      parts.push(k, out);
    } else parts.push(data);
    if (!this.sock.destroyed) this.sock.write(Buffer.concat(parts));
  }

  send(obj) { this.sendFrame(1, typeof obj === 'string' ? obj : JSON.stringify(obj)); }

  /** The next text message parsed as JSON (a string if it is not JSON), or null after timeoutMs or the close. */
  next(timeoutMs = 5000) {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const w = { resolve, timer: setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve(null); }, timeoutMs) };
      this.waiters.push(w);
    });
  }

  /** The next reply whose id is id (events and other replies skipped). */
  async reply(id, timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const m = await this.next(end - Date.now());
      if (m === null) return null;
      if (m && m.type === 'reply' && m.id === id) return m;
    }
    return null;
  }

  close() { this.sendFrame(8, Buffer.from([0x03, 0xe8])); setTimeout(() => this.sock.destroy(), 200); }

  feed(d) {
    this.rx = Buffer.concat([this.rx, d]);
    for (;;) {
      if (this.rx.length < 2) return;
      const b0 = this.rx[0], b1 = this.rx[1];
      let n = b1 & 127, off = 2;
      if (n === 126) { if (this.rx.length < 4) return; n = this.rx.readUInt16BE(2); off = 4; }
      else if (n === 127) { if (this.rx.length < 10) return; n = Number(this.rx.readBigUInt64BE(2)); off = 10; }
      if (this.rx.length < off + n) return;
      const payload = this.rx.subarray(off, off + n);
      this.rx = this.rx.subarray(off + n);
      this.#frame(b0 & 0x80, b0 & 15, payload);
    }
  }

  #frame(fin, opcode, payload) {
    if (opcode === 8) {
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.closeReason = payload.subarray(2).toString('utf8');
      this.sock.end();
      return;
    }
    if (opcode === 9) { this.sendFrame(10, payload); return; }
    if (opcode === 1 || opcode === 0) {
      this.frag.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.frag).toString('utf8');
      this.frag = [];
      let msg = text;
      try { msg = JSON.parse(text); } catch { /* kept as text */ }
      const w = this.waiters.shift();
      if (w) { clearTimeout(w.timer); w.resolve(msg); } else this.inbox.push(msg);
    }
  }

  onSocketClose() {
    this.isClosed = true;
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(null); }
    this.waiters = [];
    this.resolveClosed({ code: this.closeCode, reason: this.closeReason });
  }
}
