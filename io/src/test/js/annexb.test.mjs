import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, isDecoderStart, nalUnits, NalType } from '../../main/resources/web/js/annexb.js';

const au = (...parts) => Uint8Array.from(parts.flat());

test('finds SPS, PPS and IDR behind 3- and 4-byte start codes', () => {
  const key = au([0, 0, 0, 1, 0x67, 1, 2], [0, 0, 1, 0x68, 3], [0, 0, 0, 1, 0x65, 0x88, 0, 0]);
  const units = nalUnits(key);
  assert.deepEqual(units.map((u) => u.type), [NalType.SPS, NalType.PPS, NalType.IDR]);
  assert.deepEqual(units[0], { type: 7, offset: 4, end: 7 }); // the zero of the 4-byte code is not in the SPS
  assert.equal(units[2].end, key.length - 2, 'trailing zeros are not payload');
  assert.ok(isDecoderStart(key));
});

test('an IDR alone is not a decoder start; a delta is no IDR', () => {
  const idr = au([0, 0, 1, 0x65, 0x88]);
  assert.deepEqual(describe(idr), { idr: true, sps: false, pps: false, types: [5] });
  assert.equal(isDecoderStart(idr), false);
  assert.equal(describe(au([0, 0, 0, 1, 0x09, 0xf0], [0, 0, 1, 0x41, 0x9a])).idr, false);
  assert.deepEqual(nalUnits(au([1, 2, 3])), []);
  assert.deepEqual(nalUnits(new Uint8Array(0)), []);
});

test('the sample stream of the Java tests starts with SPS, PPS, IDR', () => {
  const stream = new Uint8Array(readFileSync(new URL('../resources/media/sample.h264', import.meta.url)));
  const types = nalUnits(stream).map((u) => u.type);
  assert.ok(types.indexOf(NalType.SPS) < types.indexOf(NalType.IDR));
  assert.ok(types.includes(NalType.PPS));
  assert.ok(types.includes(NalType.SLICE));
});
