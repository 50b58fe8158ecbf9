// Splits encoded frames into media packets as docs/PROTOCOL.md §2 "Packetization" and §6 say, exactly as the
// Java client's StreamPacketizer does (protocol-vectors.json holds its output and the node tests compare).

import { DEFAULT_MAX_PACKET_BYTES, Flag, MEDIA_HEADER_BYTES, encodeMedia } from './protocol.js';

/** Packetizer of one outgoing stream: owns its u32 sequence counter. */
export class Packetizer {
  /**
   * @param {{streamId:number, kind:number, maxPacketBytes?:number, firstSequence?:number}} opts
   *   maxPacketBytes counts the 20-byte header (default 1200, as the Java client)
   */
  constructor({ streamId, kind, maxPacketBytes = DEFAULT_MAX_PACKET_BYTES, firstSequence = 0 }) {
    if (maxPacketBytes <= MEDIA_HEADER_BYTES) throw new RangeError(`maxPacketBytes must exceed ${MEDIA_HEADER_BYTES}`);
    this.streamId = streamId;
    this.kind = kind;
    this.maxPayload = maxPacketBytes - MEDIA_HEADER_BYTES;
    this.nextSequence = firstSequence >>> 0;
  }

  /**
   * The packets of one frame: FRAME_START on the first, FRAME_END on the last, KEYFRAME on every packet of a
   * keyframe, one sequence number each. An empty frame is one header-only packet.
   * @param {boolean} keyframe
   * @param {Uint8Array} frame
   * @param {number} timestamp u32 media clock (90 kHz video, 48 kHz audio)
   * @returns {Uint8Array[]}
   */
  packetize(keyframe, frame, timestamp) {
    const count = Math.max(1, Math.ceil(frame.length / this.maxPayload));
    const packets = [];
    for (let i = 0; i < count; i++) {
      const flags = (keyframe ? Flag.KEYFRAME : 0) | (i === 0 ? Flag.FRAME_START : 0) | (i === count - 1 ? Flag.FRAME_END : 0);
      const chunk = frame.subarray(i * this.maxPayload, Math.min(frame.length, (i + 1) * this.maxPayload));
      packets.push(encodeMedia({
        flags, kind: this.kind, senderId: 0, streamId: this.streamId, sequence: this.nextSequence,
        timestamp: timestamp >>> 0,
      }, chunk));
      this.nextSequence = (this.nextSequence + 1) >>> 0;
    }
    return packets;
  }
}
