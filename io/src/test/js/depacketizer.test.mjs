import test from 'node:test';
import assert from 'node:assert/strict';
import { Depacketizer } from '../../main/resources/web/js/depacketizer.js';
import { Flag } from '../../main/resources/web/js/protocol.js';

const K = Flag.KEYFRAME, S = Flag.FRAME_START, E = Flag.FRAME_END, R = Flag.REPLAY;

function pkt(sequence, flags, timestamp = 100, payload = [sequence & 0xff]) {
  return [{ flags, streamId: 1, sequence: sequence >>> 0, timestamp }, Uint8Array.from(payload)];
}

test('a frame is FRAME_START .. FRAME_END with consecutive sequences', () => {
  const d = new Depacketizer();
  assert.equal(d.push(...pkt(10, K | S)).frame, null);
  assert.equal(d.push(...pkt(11, K)).frame, null);
  const f = d.push(...pkt(12, K | E)).frame;
  assert.deepEqual([...f.data], [10, 11, 12]);
  assert.equal(f.keyframe, true);
  assert.equal(f.replay, false);
  assert.equal(f.firstSequence, 10);
  const one = d.push(...pkt(13, S | E, 200)).frame;
  assert.equal(one.keyframe, false);
  assert.equal(d.framesCompleted, 2);
});

test('a gap drops the frame in progress and says whether it broke a keyframe', () => {
  const d = new Depacketizer();
  d.push(...pkt(1, K | S));
  const r = d.push(...pkt(3, K | E)); // 2 lost inside the keyframe
  assert.equal(r.lost, 1);
  assert.equal(r.brokeKeyframe, true);
  assert.equal(r.frame, null);
  assert.equal(d.framesDropped, 1);
  const delta = d.push(...pkt(6, S | E, 300)); // 4, 5 lost between frames: a delta frame is still whole
  assert.equal(delta.lost, 2);
  assert.equal(delta.brokeKeyframe, false);
  assert.ok(delta.frame);
  assert.equal(d.packetsLost, 3);
  const mid = d.push(...pkt(9, K, 400)); // a keyframe packet without its start after a gap
  assert.equal(mid.brokeKeyframe, true);
});

test('sequence numbers wrap without a gap', () => {
  const d = new Depacketizer();
  d.push(...pkt(0xFFFFFFFF, K | S));
  const r = d.push(...pkt(0, K | E));
  assert.equal(r.lost, 0);
  assert.ok(r.frame);
});

test('replayed frames are counted by their first packet', () => {
  const d = new Depacketizer();
  assert.equal(d.push(...pkt(5, K | S | R)).frame, null);
  assert.ok(d.push(...pkt(6, K | E | R)).frame.replay);
  assert.ok(d.push(...pkt(7, S | E | R, 200)).frame.replay);
  assert.equal(d.push(...pkt(8, S | E, 300)).frame.replay, false);
  assert.equal(d.framesReplayed, 2);
});

test('packets of a frame whose start was missed are discarded', () => {
  const d = new Depacketizer();
  assert.equal(d.push(...pkt(4, 0)).frame, null);
  assert.equal(d.push(...pkt(5, E)).frame, null);
  assert.equal(d.packetsDiscarded, 2);
  assert.ok(d.push(...pkt(6, S | E, 7)).frame);
});

test('a frame start behind the last sequence is a restarted stream; other late packets are ignored', () => {
  const d = new Depacketizer();
  d.push(...pkt(100, S | E));
  assert.equal(d.push(...pkt(100, S | E)).restarted, true); // restarted at the same number
  const late = d.push(...pkt(50, E));
  assert.equal(late.frame, null);
  assert.equal(late.restarted, false);
  const again = d.push(...pkt(0, K | S | E));
  assert.equal(again.restarted, true);
  assert.ok(again.frame);
});

test('a timestamp change inside a frame drops it; a new start drops an unfinished one', () => {
  const d = new Depacketizer();
  d.push(...pkt(1, S, 100));
  assert.equal(d.push(...pkt(2, E, 101)).frame, null);
  d.push(...pkt(3, S, 200));
  assert.ok(d.push(...pkt(4, S | E, 300)).frame);
  assert.equal(d.framesDropped, 2);
});

test('reset forgets the sequence: a LAYER switch is not a gap', () => {
  const d = new Depacketizer();
  d.push(...pkt(10, S | E));
  d.reset();
  assert.equal(d.push(...pkt(5000, K | S | E)).lost, 0);
});
