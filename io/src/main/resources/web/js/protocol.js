// kfrelay wire protocol v1 in JavaScript: the same layouts as docs/PROTOCOL.md and the Java codec
// (core/src/main/java/io/kfrelay/protocol/). Decoding is total, like ControlCodec.decode and MediaHeader.wrap:
// any bytes give {ok:true, ...} or {ok:false, status, code, detail}, never an exception. Encoding throws on
// arguments the wire cannot carry (a programming error, as the Java record constructors do).
// io/src/test/resources/protocol-vectors.json, written from the Java codec, checks both sides byte for byte.

export const VERSION = 1;

/** Message type codes (byte 1 of every message), as in MessageType.java. */
export const Type = Object.freeze({
  MEDIA: 0x01, JOIN: 0x10, JOINED: 0x11, PARTICIPANT_JOINED: 0x12, PARTICIPANT_LEFT: 0x13,
  STREAM_STARTED: 0x14, STREAM_ENDED: 0x15, LEAVE: 0x16, KEYFRAME_REQUEST: 0x17, PING: 0x18, PONG: 0x19,
  SUBSCRIBE: 0x1A, UNSUBSCRIBE: 0x1B, SIMULCAST: 0x1C, LAYER: 0x1D, SUBSCRIBE_REFUSED: 0x1E, ERROR: 0x1F,
  REDIRECT: 0x20, NODES: 0x21,
});

/** REDIRECT reasons (ControlMessage.Redirect). */
export const RedirectReason = Object.freeze({ ROOM_ELSEWHERE: 1, DRAINING: 2, LOAD: 3 });
const TYPE_NAMES = new Map(Object.entries(Type).map(([name, code]) => [code, name]));

/** Media flag bits (byte 2 of a media header). */
export const Flag = Object.freeze({ KEYFRAME: 0x01, FRAME_END: 0x02, REPLAY: 0x04, FRAME_START: 0x08 });
export const KNOWN_FLAGS = 0x0F;
export const Kind = Object.freeze({ AUDIO: 1, VIDEO: 2 });
/** JOIN option: subscribe to nothing; the client sends SUBSCRIBE for what it wants. */
export const MANUAL_SUBSCRIBE = 0x01;
export const RECEIVE_ONLY = 0x02;
const KNOWN_JOIN_OPTIONS = MANUAL_SUBSCRIBE | RECEIVE_ONLY;
/** SUBSCRIBE layer value meaning "the relay chooses". */
export const LAYER_AUTO = 0xFF;
export const MAX_LAYERS = 3;
export const MEDIA_HEADER_BYTES = 20;
export const MAX_STRING_BYTES = 4096;
export const MAX_NAME_BYTES = 256;
/** What the Java client packetizes to by default (PROTOCOL.md §6): 1200 bytes, header included. */
export const DEFAULT_MAX_PACKET_BYTES = 1200;

/** Decode statuses 1..9 (DecodeStatus.java); the same codes arrive in ERROR messages. */
export const Status = Object.freeze({
  OK: 0, TOO_SHORT: 1, BAD_VERSION: 2, UNKNOWN_TYPE: 3, BAD_FLAGS: 4, BAD_KIND: 5, BAD_LENGTH: 6,
  BAD_STRING: 7, TOO_LARGE: 8, BAD_RESERVED: 9,
});

/** Relay decision codes (ErrorCodes.java). */
export const ErrorCode = Object.freeze({
  JOIN_REJECTED: 100, ROOM_INVALID: 101, ALREADY_JOINED: 102, NOT_JOINED: 103, RELAY_SHUTTING_DOWN: 104,
  KICKED: 105, TOO_SLOW: 106, SIMULCAST_INVALID: 107,
  ROOM_FULL: 110, TOO_MANY_ROOMS: 111, TOKEN_REQUIRED: 112, TOKEN_MALFORMED: 113, TOKEN_BAD_SIGNATURE: 114,
  TOKEN_EXPIRED: 115, TOKEN_WRONG_ROOM: 116, TOKEN_WRONG_IDENTITY: 117, GRANT_MISSING: 118,
  PUBLISH_NOT_ALLOWED: 119, NOT_ON_ROOM_ACL: 120, RATE_LIMITED: 121, TOO_MANY_JOINS: 122,
  TOKEN_UNKNOWN_KEY: 124, TOKEN_WRONG_ALGORITHM: 125,
  NO_SUCH_STREAM: 130, SUBSCRIBE_NOT_ALLOWED: 131, OWN_STREAM: 132, NO_SUCH_LAYER: 133, TOO_MANY_PENDING: 134,
  ROOM_ELSEWHERE: 140, CLUSTER_UNAVAILABLE: 141,
});
const CODE_NAMES = new Map([...Object.entries(Status), ...Object.entries(ErrorCode)].map(([n, c]) => [c, n]));

/** LAYER cause codes (LayerCause.java). */
export const LayerCause = Object.freeze({ REQUESTED: 1, CONGESTION: 2, RECOVERED: 3, AVAILABILITY: 4 });

/**
 * The name of an ERROR / SUBSCRIBE_REFUSED code, e.g. 112 → "TOKEN_REQUIRED"; "CODE_<n>" for unassigned ones.
 * @param {number} code
 * @returns {string}
 */
export function codeName(code) {
  return CODE_NAMES.get(code) ?? `CODE_${code}`;
}

/**
 * The name of a type code ("JOIN"), or null when unknown.
 * @param {number} code
 * @returns {string|null}
 */
export function typeName(code) {
  return TYPE_NAMES.get(code) ?? null;
}

/**
 * Signed distance from sequence `from` to `to` on the u32 circle (MediaHeader.seqDelta): 0xFFFFFFFF → 0 is +1.
 * @param {number} from
 * @param {number} to
 * @returns {number}
 */
export function seqDelta(from, to) {
  return (to - from) | 0;
}

/** The type code of a frame whose version byte is valid, else null (ControlCodec.peekType). */
export function peekType(bytes) {
  return bytes.length >= 2 && bytes[0] === VERSION && TYPE_NAMES.has(bytes[1]) ? bytes[1] : null;
}

// ------------------------------------------------------------------------------------------------- media

/**
 * Encodes one media packet: the 20-byte header, then `payload`.
 * @param {{flags:number, kind:number, senderId?:number, streamId:number, sequence:number, timestamp:number}} h
 * @param {Uint8Array} [payload]
 * @returns {Uint8Array}
 */
export function encodeMedia(h, payload = new Uint8Array(0)) {
  requireRange(h.flags, 0, KNOWN_FLAGS, 'flags');
  if (h.kind !== Kind.AUDIO && h.kind !== Kind.VIDEO) throw new RangeError(`kind must be 1 or 2: ${h.kind}`);
  requireRange(h.streamId, 0, 0xFFFF, 'streamId');
  const out = new Uint8Array(MEDIA_HEADER_BYTES + payload.length);
  const v = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = Type.MEDIA;
  out[2] = h.flags;
  out[3] = h.kind;
  v.setUint32(4, (h.senderId ?? 0) >>> 0);
  v.setUint16(8, h.streamId);
  // bytes 10..11 reserved, already 0
  v.setUint32(12, h.sequence >>> 0);
  v.setUint32(16, h.timestamp >>> 0);
  out.set(payload, MEDIA_HEADER_BYTES);
  return out;
}

/**
 * Decodes a media packet, checking what MediaHeader.wrap checks, in the same order.
 * @param {Uint8Array} bytes one whole frame
 * @returns {{ok:true, header:{flags:number, kind:number, senderId:number, streamId:number, sequence:number,
 *   timestamp:number}, payload:Uint8Array} | {ok:false, status:string, code:number, detail:string}}
 *   payload is a view into `bytes`, not a copy
 */
export function decodeMedia(bytes) {
  if (!(bytes instanceof Uint8Array)) return reject('TOO_SHORT', 'not a byte array');
  if (bytes.length < MEDIA_HEADER_BYTES) {
    if (bytes.length < 2) return reject('TOO_SHORT', 'frame shorter than version and type');
    if (bytes[0] !== VERSION) return reject('BAD_VERSION', `version ${bytes[0]} is not ${VERSION}`);
    if (bytes[1] !== Type.MEDIA) return reject('UNKNOWN_TYPE', 'message type is not MEDIA');
    return reject('TOO_SHORT', `shorter than the ${MEDIA_HEADER_BYTES}-byte media header`);
  }
  if (bytes[0] !== VERSION) return reject('BAD_VERSION', `version ${bytes[0]} is not ${VERSION}`);
  if (bytes[1] !== Type.MEDIA) return reject('UNKNOWN_TYPE', 'message type is not MEDIA');
  if ((bytes[2] & ~KNOWN_FLAGS) !== 0) return reject('BAD_FLAGS', 'a flag bit outside 0x0F is set');
  if (bytes[3] !== Kind.AUDIO && bytes[3] !== Kind.VIDEO) return reject('BAD_KIND', `kind ${bytes[3]}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint16(10) !== 0) return reject('BAD_RESERVED', 'the reserved field (bytes 10-11) is not 0');
  return {
    ok: true,
    header: {
      flags: bytes[2], kind: bytes[3], senderId: v.getUint32(4), streamId: v.getUint16(8),
      sequence: v.getUint32(12), timestamp: v.getUint32(16),
    },
    payload: bytes.subarray(MEDIA_HEADER_BYTES),
  };
}

// ---------------------------------------------------------------------------------------------- control

const utf8Encoder = new TextEncoder();
// fatal: refuse malformed UTF-8 (overlong, surrogates, > U+10FFFF) as Java's REPORT decoder does;
// ignoreBOM: keep a leading U+FEFF as a character, as Java does.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// Character.isISOControl on UTF-16 units: C0 controls, DEL and C1 controls.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Encodes a control message. `msg.type` is the type name ("JOIN", ...); the other fields are those of the
 * Java records (ControlMessage.java): e.g. {type:'JOIN', room, identity, token, options}. PING/PONG nonces
 * are BigInt (u64).
 * @param {object} msg
 * @returns {Uint8Array}
 * @throws {RangeError|TypeError} when a field cannot be carried
 */
export function encode(msg) {
  const w = new Writer();
  const code = Type[msg.type];
  if (code === undefined || code === Type.MEDIA) throw new TypeError(`not a control message type: ${msg.type}`);
  w.u8(VERSION);
  w.u8(code);
  switch (msg.type) {
    case 'JOIN': {
      w.name(msg.room, 'room');
      w.name(msg.identity, 'identity');
      w.str(msg.token ?? '', 'token');
      const options = msg.options ?? 0;
      if ((options & ~KNOWN_JOIN_OPTIONS) !== 0) throw new RangeError(`unknown JOIN option bits: ${options}`);
      if (options !== 0) w.u8(options); // no options is written by leaving the byte out
      break;
    }
    case 'JOINED':
      w.u32(msg.participantId);
      w.str(msg.room, 'room');
      w.u16(msg.participants.length);
      for (const p of msg.participants) {
        w.u32(p.id);
        w.str(p.identity, 'identity');
        w.u16(p.streams.length);
        for (const s of p.streams) {
          w.u16(s.streamId);
          w.kind(s.kind);
        }
      }
      break;
    case 'PARTICIPANT_JOINED': w.u32(msg.participantId); w.str(msg.identity, 'identity'); break;
    case 'PARTICIPANT_LEFT': w.u32(msg.participantId); break;
    case 'STREAM_STARTED': w.u32(msg.participantId); w.u16(msg.streamId); w.kind(msg.kind); break;
    case 'STREAM_ENDED': w.u32(msg.participantId); w.u16(msg.streamId); break;
    case 'LEAVE': break;
    case 'KEYFRAME_REQUEST': w.u32(msg.senderId); w.u16(msg.streamId); break;
    case 'PING': case 'PONG': w.u64(msg.nonce); break;
    case 'SUBSCRIBE': w.u32(msg.publisherId); w.u16(msg.streamId); w.u8(msg.layer); break;
    case 'UNSUBSCRIBE': w.u32(msg.publisherId); w.u16(msg.streamId); break;
    case 'SIMULCAST':
      w.u32(msg.publisherId);
      w.u8(msg.streamIds.length);
      for (const id of msg.streamIds) w.u16(id);
      break;
    case 'LAYER':
      w.u32(msg.publisherId); w.u16(msg.sourceId); w.u16(msg.streamId); w.u8(msg.layer); w.u8(msg.cause);
      break;
    case 'SUBSCRIBE_REFUSED':
      w.u32(msg.publisherId); w.u16(msg.streamId); w.u16(msg.code); w.str(msg.reason, 'reason');
      break;
    case 'ERROR': w.u16(msg.code); w.str(msg.reason, 'reason'); break;
    case 'REDIRECT':
      w.u8(msg.reason); w.u64(msg.epoch); w.str(msg.node, 'node'); w.str(msg.ws, 'ws');
      w.str(msg.quic ?? '', 'quic'); w.str(msg.quicPin ?? '', 'quicPin');
      break;
    case 'NODES':
      w.u16(msg.nodes.length);
      for (const n of msg.nodes) {
        w.str(n.id, 'id'); w.str(n.ws ?? '', 'ws'); w.str(n.quic ?? '', 'quic'); w.str(n.quicPin ?? '', 'quicPin');
      }
      break;
  }
  return w.bytes();
}

/**
 * Decodes one control message filling `bytes` exactly (ControlCodec.decode): MEDIA is UNKNOWN_TYPE here.
 * The first problem met, reading front to back, is the one reported.
 * @param {Uint8Array} bytes
 * @returns {{ok:true, message:object} | {ok:false, status:string, code:number, detail:string}}
 */
export function decode(bytes) {
  if (!(bytes instanceof Uint8Array)) return reject('TOO_SHORT', 'not a byte array');
  const r = new Reader(bytes);
  if (bytes.length < 2) return reject('TOO_SHORT', 'frame shorter than version and type');
  const version = r.u8('version');
  if (version !== VERSION) return reject('BAD_VERSION', `version ${version} is not ${VERSION}`);
  const code = r.u8('type');
  const type = TYPE_NAMES.get(code);
  if (type === undefined) return reject('UNKNOWN_TYPE', `unknown message type 0x${code.toString(16)}`);
  let m;
  switch (type) {
    case 'MEDIA': return reject('UNKNOWN_TYPE', 'MEDIA (0x01) is not a control message');
    case 'JOIN': {
      const room = r.name('room');
      const identity = r.name('identity');
      const token = r.str('token');
      let options = 0;
      if (r.ok() && r.remaining() > 0) {
        options = r.u8('options');
        if (options === 0) return r.fail('BAD_LENGTH', 'a JOIN without options leaves the options byte out');
        if ((options & ~KNOWN_JOIN_OPTIONS) !== 0) {
          return r.fail('BAD_FLAGS', `unknown JOIN option bits 0x${options.toString(16)}`);
        }
      }
      m = { room, identity, token, options };
      break;
    }
    case 'JOINED': m = decodeJoined(r); break;
    case 'PARTICIPANT_JOINED': m = { participantId: r.u32('participant id'), identity: r.str('identity') }; break;
    case 'PARTICIPANT_LEFT': m = { participantId: r.u32('participant id') }; break;
    case 'STREAM_STARTED':
      m = { participantId: r.u32('participant id'), streamId: r.u16('stream id'), kind: r.kind('kind') };
      break;
    case 'STREAM_ENDED': m = { participantId: r.u32('participant id'), streamId: r.u16('stream id') }; break;
    case 'LEAVE': m = {}; break;
    case 'KEYFRAME_REQUEST': m = { senderId: r.u32('sender id'), streamId: r.u16('stream id') }; break;
    case 'PING': case 'PONG': m = { nonce: r.u64('nonce') }; break;
    case 'SUBSCRIBE':
      m = { publisherId: r.u32('publisher id'), streamId: r.u16('stream id'), layer: r.u8('layer') };
      break;
    case 'UNSUBSCRIBE': m = { publisherId: r.u32('publisher id'), streamId: r.u16('stream id') }; break;
    case 'SIMULCAST': {
      const publisherId = r.u32('publisher id');
      const count = r.count(r.u8('layer count'), 'layer count', 2);
      const streamIds = [];
      for (let i = 0; i < count && r.ok(); i++) streamIds.push(r.u16('stream id'));
      m = { publisherId, streamIds };
      break;
    }
    case 'LAYER':
      m = {
        publisherId: r.u32('publisher id'), sourceId: r.u16('source id'), streamId: r.u16('stream id'),
        layer: r.u8('layer'), cause: r.u8('cause'),
      };
      break;
    case 'SUBSCRIBE_REFUSED':
      m = {
        publisherId: r.u32('publisher id'), streamId: r.u16('stream id'), code: r.u16('code'),
        reason: r.str('reason'),
      };
      break;
    case 'ERROR': m = { code: r.u16('error code'), reason: r.str('reason') }; break;
    case 'REDIRECT':
      m = {
        reason: r.u8('reason'), epoch: r.u64('epoch'), node: r.str('node'), ws: r.str('ws url'),
        quic: r.str('quic url'), quicPin: r.str('quic pin'),
      };
      break;
    case 'NODES': {
      // Four empty strings (8 bytes) is the smallest node: a count the bytes cannot hold is refused up front.
      const count = r.count(r.u16('node count'), 'node count', 8);
      const nodes = [];
      for (let i = 0; i < count && r.ok(); i++) {
        nodes.push({ id: r.str('node id'), ws: r.str('ws url'), quic: r.str('quic url'), quicPin: r.str('quic pin') });
      }
      m = { nodes };
      break;
    }
  }
  return r.complete() ? { ok: true, message: { type, ...m } } : r.rejected();
}

/**
 * Decodes any frame the relay sends: media (type 0x01) or control.
 * @param {Uint8Array} bytes
 * @returns {{ok:true, media?:object, message?:object} | {ok:false, status:string, code:number, detail:string}}
 */
export function decodeAny(bytes) {
  if (bytes instanceof Uint8Array && bytes.length >= 2 && bytes[0] === VERSION && bytes[1] === Type.MEDIA) {
    const d = decodeMedia(bytes);
    return d.ok ? { ok: true, media: d } : d;
  }
  return decode(bytes);
}

function decodeJoined(r) {
  const participantId = r.u32('participant id');
  const room = r.str('room');
  // Counts are checked against the bytes left before anything is read, so a hostile count allocates nothing.
  const peerCount = r.count(r.u16('participant count'), 'participant count', 4 + 2 + 2);
  const participants = [];
  for (let i = 0; i < peerCount && r.ok(); i++) {
    const id = r.u32('participant id');
    const identity = r.str('identity');
    const streamCount = r.count(r.u16('stream count'), 'stream count', 3);
    const streams = [];
    for (let s = 0; s < streamCount && r.ok(); s++) {
      const streamId = r.u16('stream id');
      const kind = r.kind('stream kind');
      if (r.ok()) streams.push({ streamId, kind });
    }
    if (r.ok()) participants.push({ id, identity, streams });
  }
  return { participantId, room, participants };
}

function reject(status, detail) {
  return { ok: false, status, code: Status[status], detail };
}

/** Bounds-checked cursor: the first failure sticks, later reads give 0 or "". */
class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.status = 'OK';
    this.detail = '';
  }

  ok() { return this.status === 'OK'; }
  remaining() { return this.b.length - this.pos; }

  fail(status, detail) {
    if (this.ok()) {
      this.status = status;
      this.detail = detail;
    }
    return this.rejected();
  }

  rejected() { return reject(this.status, this.detail); }

  complete() {
    if (this.ok() && this.remaining() !== 0) this.fail('BAD_LENGTH', `${this.remaining()} bytes left over after the body`);
    return this.ok();
  }

  have(n, field) {
    if (!this.ok()) return false;
    if (this.remaining() < n) {
      this.fail('TOO_SHORT', `${field} is truncated`);
      return false;
    }
    return true;
  }

  u8(field) { return this.have(1, field) ? this.b[this.pos++] : 0; }

  u16(field) {
    if (!this.have(2, field)) return 0;
    const x = this.v.getUint16(this.pos);
    this.pos += 2;
    return x;
  }

  u32(field) {
    if (!this.have(4, field)) return 0;
    const x = this.v.getUint32(this.pos);
    this.pos += 4;
    return x;
  }

  u64(field) {
    if (!this.have(8, field)) return 0n;
    const x = this.v.getBigUint64(this.pos);
    this.pos += 8;
    return x;
  }

  kind(field) {
    const k = this.u8(field);
    if (this.ok() && k !== Kind.AUDIO && k !== Kind.VIDEO) this.fail('BAD_KIND', `${field} ${k} is neither audio nor video`);
    return k;
  }

  count(n, field, minEntryBytes) {
    if (this.ok() && n * minEntryBytes > this.remaining()) {
      this.fail('BAD_LENGTH', `${field} ${n} cannot fit in the ${this.remaining()} bytes left`);
    }
    return this.ok() ? n : 0;
  }

  str(field) {
    const length = this.u16(`${field} length`);
    if (!this.ok()) return '';
    if (length > this.remaining()) {
      this.fail('BAD_LENGTH', `${field} runs past end of frame`);
      return '';
    }
    if (length > MAX_STRING_BYTES) {
      this.fail('BAD_STRING', `${field} is longer than ${MAX_STRING_BYTES} bytes`);
      return '';
    }
    let s;
    try {
      s = utf8Decoder.decode(this.b.subarray(this.pos, this.pos + length));
    } catch {
      this.fail('BAD_STRING', `${field} is not valid UTF-8`);
      return '';
    }
    this.pos += length;
    return s;
  }

  name(field) {
    const s = this.str(field);
    if (this.ok() && !isValidName(s)) {
      this.fail('BAD_STRING', `${field} must be 1..${MAX_NAME_BYTES} UTF-8 bytes without control characters`);
    }
    return s;
  }
}

/**
 * Whether `name` is a valid JOIN room or identity: 1..256 UTF-8 bytes, no control characters.
 * @param {string} name
 * @returns {boolean}
 */
export function isValidName(name) {
  if (typeof name !== 'string' || !wellFormed(name) || CONTROL_CHARS.test(name)) return false;
  const n = utf8Encoder.encode(name).length;
  return n >= 1 && n <= MAX_NAME_BYTES;
}

function wellFormed(s) {
  // A lone surrogate has no UTF-8 form; TextEncoder would silently write U+FFFD instead.
  return typeof s.isWellFormed === 'function' ? s.isWellFormed() : !/\p{Cs}/u.test(s);
}

function requireRange(x, min, max, field) {
  if (!Number.isInteger(x) || x < min || x > max) throw new RangeError(`${field} must be ${min}..${max}: ${x}`);
}

/** Growing big-endian writer. */
class Writer {
  constructor() {
    this.buf = new Uint8Array(64);
    this.v = new DataView(this.buf.buffer);
    this.n = 0;
  }

  room(k) {
    if (this.n + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
    this.v = new DataView(bigger.buffer);
  }

  u8(x) { requireRange(x, 0, 0xFF, 'u8'); this.room(1); this.buf[this.n++] = x; }
  u16(x) { requireRange(x, 0, 0xFFFF, 'u16'); this.room(2); this.v.setUint16(this.n, x); this.n += 2; }
  u32(x) { requireRange(x, 0, 0xFFFFFFFF, 'u32'); this.room(4); this.v.setUint32(this.n, x); this.n += 4; }

  u64(x) {
    if (typeof x !== 'bigint' || x < 0n || x > 0xFFFFFFFFFFFFFFFFn) throw new RangeError(`u64 must be a BigInt: ${x}`);
    this.room(8);
    this.v.setBigUint64(this.n, x);
    this.n += 8;
  }

  kind(k) {
    if (k !== Kind.AUDIO && k !== Kind.VIDEO) throw new RangeError(`kind must be 1 or 2: ${k}`);
    this.u8(k);
  }

  str(s, field) {
    if (typeof s !== 'string' || !wellFormed(s)) throw new TypeError(`${field} must be a well-formed string`);
    const b = utf8Encoder.encode(s);
    if (b.length > MAX_STRING_BYTES) throw new RangeError(`${field} is ${b.length} UTF-8 bytes, more than ${MAX_STRING_BYTES}`);
    this.u16(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }

  name(s, field) {
    if (!isValidName(s)) throw new RangeError(`${field} must be 1..${MAX_NAME_BYTES} UTF-8 bytes without control characters`);
    this.str(s, field);
  }

  bytes() { return this.buf.slice(0, this.n); }
}
