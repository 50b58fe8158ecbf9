// One session with the relay over a WebSocket: binary frames, one message each (PROTOCOL.md §1). Sends JOIN on
// open, answers PING, and hands decoded control messages and media packets to the page.

import { Type, codeName, decodeAny, encode } from './protocol.js';

export class Connection {
  /**
   * @param {string} url ws:// or wss:// address of the relay
   * @param {{room:string, identity:string, token?:string, options?:number}} join
   * @param {{onControl?:(m:object)=>void, onMedia?:(header:object, payload:Uint8Array)=>void,
   *          onMalformed?:(status:string, detail:string)=>void, onClose?:(info:{code:number, reason:string,
   *          error:object|null})=>void, onOpen?:()=>void}} handlers
   */
  constructor(url, join, handlers) {
    this.handlers = handlers;
    this.join = join;
    /** The ERROR the relay sent before closing, if any: {code, name, reason}. */
    this.error = null;
    this.joined = false;
    this.participantId = null;
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      this.sendControl({ type: 'JOIN', room: join.room, identity: join.identity, token: join.token ?? '', options: join.options ?? 0 });
      handlers.onOpen?.();
    };
    this.ws.onmessage = (ev) => this.receive(ev.data);
    this.ws.onclose = (ev) => {
      this.joined = false;
      handlers.onClose?.({ code: ev.code, reason: ev.reason, error: this.error });
    };
  }

  receive(data) {
    if (!(data instanceof ArrayBuffer)) {
      this.handlers.onMalformed?.('UNKNOWN_TYPE', 'a text frame'); // the relay never sends one
      return;
    }
    const d = decodeAny(new Uint8Array(data));
    if (!d.ok) {
      // A relay we cannot understand is a bug somewhere; report it and carry on with the next frame.
      this.handlers.onMalformed?.(d.status, d.detail);
      return;
    }
    if (d.media) {
      this.handlers.onMedia?.(d.media.header, d.media.payload);
      return;
    }
    const m = d.message;
    if (m.type === 'PING') this.sendControl({ type: 'PONG', nonce: m.nonce });
    if (m.type === 'JOINED') {
      this.joined = true;
      this.participantId = m.participantId;
    }
    if (m.type === 'ERROR') this.error = { code: m.code, name: codeName(m.code), reason: m.reason };
    this.handlers.onControl?.(m);
  }

  /** Whether the socket is open. */
  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the socket and not yet sent: a publisher drops frames rather than grow it. */
  get bufferedAmount() {
    return this.ws.bufferedAmount;
  }

  /**
   * Sends a control message ({type:'SUBSCRIBE', ...}); silently nothing once closed.
   * @param {object} message
   */
  sendControl(message) {
    if (this.open) this.ws.send(encode(message));
  }

  /**
   * Sends an encoded media packet.
   * @param {Uint8Array} packet
   */
  sendPacket(packet) {
    if (this.open) this.ws.send(packet);
  }

  /** Sends LEAVE; the relay ends our streams and closes the socket. */
  leave() {
    if (this.open) this.sendControl({ type: 'LEAVE' });
    else this.ws.close();
  }
}

export { Type };
