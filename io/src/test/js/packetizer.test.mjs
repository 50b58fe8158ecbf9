// The JS packetizer against the Java StreamPacketizer's output, and round trips through the depacketizer.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Packetizer } from '../../main/resources/web/js/packetizer.js';
import { Depacketizer } from '../../main/resources/web/js/depacketizer.js';
import { Flag, decodeMedia } from '../../main/resources/web/js/protocol.js';
import { frameBytes, toHex, vectors } from './vectors.mjs';

for (const v of vectors.packetizer) {
  test(`packetizes like the Java client: ${v.name}`, () => {
    const p = new Packetizer({ streamId: v.streamId, kind: v.kind, maxPacketBytes: v.maxPacketBytes, firstSequence: v.firstSequence });
    const packets = p.packetize(v.keyframe, frameBytes(v.frameLength), v.timestamp);
    assert.deepEqual(packets.map(toHex), v.packets);
  });
}

test('split and reassembled frames are the same bytes, flags as PROTOCOL.md says', () => {
  const p = new Packetizer({ streamId: 1, kind: 2, maxPacketBytes: 120, firstSequence: 0xFFFFFFF0 });
  const d = new Depacketizer();
  for (const [keyframe, length] of [[true, 1000], [false, 100], [false, 0], [false, 101], [true, 3000]]) {
    const frame = frameBytes(length);
    const packets = p.packetize(keyframe, frame, 9000 * length);
    let out = null;
    packets.forEach((bytes, i) => {
      const m = decodeMedia(bytes);
      assert.ok(m.ok);
      const f = m.header.flags;
      assert.equal((f & Flag.KEYFRAME) !== 0, keyframe, 'KEYFRAME on every packet of a keyframe');
      assert.equal((f & Flag.FRAME_START) !== 0, i === 0);
      assert.equal((f & Flag.FRAME_END) !== 0, i === packets.length - 1);
      assert.ok(bytes.length <= 120);
      const r = d.push(m.header, m.payload);
      assert.equal(r.lost, 0);
      if (i < packets.length - 1) assert.equal(r.frame, null);
      else out = r.frame;
    });
    assert.ok(out, 'frame completed');
    assert.equal(out.keyframe, keyframe);
    assert.equal(out.packets, packets.length);
    assert.deepEqual(out.data, frame);
  }
  assert.equal(d.framesCompleted, 5);
  assert.equal(d.framesDropped, 0);
});
