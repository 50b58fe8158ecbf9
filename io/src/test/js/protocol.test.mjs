// The JS codec against the vectors the Java codec wrote: every valid message decodes to the Java fields and
// encodes back to the same bytes; every malformed frame is refused with the Java status, never thrown.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  Status, Type, decode, decodeAny, decodeMedia, encode, encodeMedia, seqDelta, codeName, isValidName,
} from '../../main/resources/web/js/protocol.js';
import { hex, toHex, vectors } from './vectors.mjs';

/** The decoded JS message in the JSON form of the vectors (u64 nonces as decimal strings). */
function asJson(message) {
  return JSON.parse(JSON.stringify(message, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The vector's message as encode() takes it (nonces and epochs as BigInt). */
function fromJson(message) {
  const m = { ...message };
  for (const k of ['nonce', 'epoch']) if (k in m) m[k] = BigInt(m[k]);
  return m;
}

test('vectors file is present and covers every control type', () => {
  const types = new Set(vectors.control.map((v) => v.message.type));
  for (const name of Object.keys(Type)) if (name !== 'MEDIA') assert.ok(types.has(name), `no vector for ${name}`);
  assert.ok(vectors.malformedControl.length > 50);
});

for (const v of vectors.control) {
  test(`control decodes: ${v.name}`, () => {
    const d = decode(hex(v.hex));
    assert.ok(d.ok, `${v.name}: ${d.status} ${d.detail}`);
    assert.deepEqual(asJson(d.message), v.message);
    assert.deepEqual(asJson(decodeAny(hex(v.hex)).message), v.message);
  });
  test(`control encodes: ${v.name}`, () => {
    assert.equal(toHex(encode(fromJson(v.message))), v.hex);
  });
}

for (const v of vectors.malformedControl) {
  test(`control refused with ${v.status}: ${v.name}`, () => {
    const d = decode(hex(v.hex));
    assert.equal(d.ok, false);
    assert.equal(d.status, v.status, d.detail);
    assert.equal(d.code, Status[v.status]);
    assert.ok(d.detail.length > 0, 'a refusal explains itself');
  });
}

for (const v of vectors.media) {
  test(`media decodes and encodes: ${v.name}`, () => {
    const d = decodeMedia(hex(v.hex));
    assert.ok(d.ok, d.detail);
    assert.deepEqual(d.header, v.header);
    assert.equal(toHex(d.payload), v.payloadHex);
    assert.equal(toHex(encodeMedia(v.header, hex(v.payloadHex))), v.hex);
    assert.ok(decodeAny(hex(v.hex)).media);
  });
}

for (const v of vectors.malformedMedia) {
  test(`media refused with ${v.status}: ${v.name}`, () => {
    const d = decodeMedia(hex(v.hex));
    assert.equal(d.ok, false);
    assert.equal(d.status, v.status, d.detail);
  });
}

test('decoding never throws on random or mutated bytes, and what decodes re-encodes to the same bytes', () => {
  let seed = 0x6b66;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const samples = vectors.control.map((v) => hex(v.hex));
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    let b;
    if (i % 2) {
      b = new Uint8Array(rnd(48));
      for (let j = 0; j < b.length; j++) b[j] = rnd(256);
      if (b.length >= 2 && i % 4 !== 1) { b[0] = 1; b[1] = 0x10 + rnd(16); }
    } else {
      b = samples[rnd(samples.length)].slice();
      for (let f = 0; f <= rnd(3); f++) if (b.length) b[rnd(b.length)] = rnd(256);
    }
    const d = decodeAny(b);
    if (d.ok && d.message) {
      accepted++;
      assert.equal(toHex(encode(d.message)), toHex(b));
    }
  }
  assert.ok(accepted > 0);
  assert.equal(decode(undefined).ok, false);
  assert.equal(decodeMedia(null).ok, false);
});

test('encode refuses what the wire cannot carry', () => {
  assert.throws(() => encode({ type: 'JOIN', room: '', identity: 'a', token: '' }), RangeError);
  assert.throws(() => encode({ type: 'JOIN', room: 'a\n', identity: 'a', token: '' }), RangeError);
  assert.throws(() => encode({ type: 'JOIN', room: 'a', identity: 'a', token: '\ud800' }), TypeError);
  assert.throws(() => encode({ type: 'JOIN', room: 'a', identity: 'a', token: '', options: 4 }), RangeError);
  assert.throws(() => encode({ type: 'PARTICIPANT_LEFT', participantId: 2 ** 32 }), RangeError);
  assert.throws(() => encode({ type: 'ERROR', code: 1, reason: 'x'.repeat(4097) }), RangeError);
  assert.throws(() => encode({ type: 'MEDIA' }), TypeError);
  assert.throws(() => encodeMedia({ flags: 0x10, kind: 2, streamId: 1, sequence: 0, timestamp: 0 }), RangeError);
});

test('sequence numbers compare on the u32 circle', () => {
  assert.equal(seqDelta(0xFFFFFFFF, 0), 1);
  assert.equal(seqDelta(0, 0xFFFFFFFF), -1);
  assert.equal(seqDelta(5, 9), 4);
});

test('names of codes and the JOIN name rule', () => {
  assert.equal(codeName(112), 'TOKEN_REQUIRED');
  assert.equal(codeName(6), 'BAD_LENGTH');
  assert.equal(codeName(77), 'CODE_77');
  assert.ok(isValidName('Zoë'));
  assert.ok(!isValidName('a\u0085'));
  assert.ok(!isValidName('é'.repeat(129)));
});
