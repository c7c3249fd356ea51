// signaling.js -- a small client for the yuanfang signaling protocol v1
// (docs/protocol.md): JSON over wss://HOST/ws, subprotocol "yuanfang.v1".
// request() returns a Promise that resolves with the reply's result or rejects
// with {code, message}; events go to handlers registered with on(). It does not
// reconnect: a closed connection rejects what is pending and calls onclose.

const SUBPROTOCOL = 'yuanfang.v1';
const REQUEST_TIMEOUT_MS = 10000;
const CONNECT_TIMEOUT_MS = 10000;

export function defaultUrl() {
  return `${location.origin.replace(/^http/, 'ws')}/ws`;
}

/** Whether a new websocket to url opens within ms (then closed at once):
 *  the network and the server are there, whatever an older connection is
 *  waiting for. Never rejects. */
export function probeWebsocket(url, ms) {
  return new Promise((resolve) => {
    let done = false;
    let ws;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try { ws.close(); } catch { /* closing a socket that never opened */ }
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), ms);
    try { ws = new WebSocket(url, SUBPROTOCOL); } catch { finish(false); return; }
    ws.onopen = () => finish(true);
    ws.onerror = () => finish(false);
    ws.onclose = () => finish(false);
  });
}

export class Signaling {
  constructor(url = defaultUrl()) {
    this.url = url;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();   // id -> {resolve, reject, timer}
    this.handlers = new Map();  // event name -> [fn]
    this.onclose = null;        // (closeEvent) => void
    this.waitingSince = null;   // first request unanswered since the server last spoke
  }

  /** Opens the websocket; resolves when it is open, rejects {code:'unreachable'}. */
  connect() {
    return new Promise((resolve, reject) => {
      let opened = false;
      const ws = new WebSocket(this.url, SUBPROTOCOL);
      this.ws = ws;
      const timer = setTimeout(() => {
        reject({ code: 'unreachable', message: 'websocket did not open in time' });
        ws.close();
      }, CONNECT_TIMEOUT_MS);
      ws.onopen = () => { opened = true; clearTimeout(timer); resolve(); };
      ws.onmessage = (e) => this.#receive(e.data);
      ws.onerror = () => { if (!opened) reject({ code: 'unreachable', message: 'websocket error' }); };
      ws.onclose = (e) => {
        clearTimeout(timer);
        if (!opened) reject({ code: e.code === 1013 ? 'busy' : 'unreachable', message: `websocket closed (${e.code})` });
        // 1013 "try again later": the server holds as many sessions from this address as it allows.
        this.#failPending(e.code === 1013 ? { code: 'busy', message: e.reason || 'too many connections' }
          : { code: 'closed', message: `websocket closed (${e.code})` });
        if (this.ws === ws && this.onclose) this.onclose(e);
      };
    });
  }

  /** Sends {v:1,id,type,...params}; resolves with result, rejects {code,message}. */
  request(type, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject({ code: 'closed', message: 'not connected' });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: 'timeout', message: `no reply to ${type}` });
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      if (this.waitingSince === null) this.waitingSince = Date.now();
      this.ws.send(JSON.stringify({ v: 1, id, type, ...params }));
    });
  }

  /** How long the server has said nothing since a request went out
   *  unanswered (ms; a request that timed out still counts), or null when it
   *  has spoken since the last one. */
  silentMs() {
    return this.waitingSince === null ? null : Date.now() - this.waitingSince;
  }

  /** Registers fn(data) for the server event name (e.g. 'ice.candidate'). */
  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(fn);
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    this.#failPending({ code: 'closed', message: 'closed by the client' });
  }

  #receive(text) {
    this.waitingSince = null;
    let msg;
    try { msg = JSON.parse(text); } catch { console.warn('signaling: not JSON', text); return; }
    if (msg.type === 'event') {
      for (const fn of this.handlers.get(msg.event) || []) fn(msg.data || {});
      return;
    }
    if (msg.type !== 'reply') return;
    const p = this.pending.get(msg.id);
    if (!p) {
      if (!msg.ok) console.warn('signaling: error without request', msg.error);
      return;
    }
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result || {});
    else p.reject(msg.error || { code: 'internal', message: 'error reply without error' });
  }

  #failPending(err) {
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err); }
    this.pending.clear();
  }
}
