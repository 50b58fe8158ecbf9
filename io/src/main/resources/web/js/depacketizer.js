// Reassembles media packets of one stream (or one simulcast source) into whole frames, like the Java client's
// FrameAssembler + LossDetector: a frame is a FRAME_START packet, then packets with consecutive sequence numbers
// and the same timestamp, up to FRAME_END. Over WebSocket the relay sends no gap and no repeat (PROTOCOL.md §4.2),
// so a gap here means loss upstream of us or a bug; either way the frame is dropped and the caller is told, so it
// can wait for the next keyframe and ask for one.

import { Flag, seqDelta } from './protocol.js';

/** Largest frame kept (4 MiB, as FrameAssembler): a publisher that never sends FRAME_END cannot grow us. */
export const MAX_FRAME_BYTES = 4 << 20;
export const MAX_FRAME_PACKETS = 1 << 16;

/**
 * @typedef {object} Frame
 * @property {number} streamId
 * @property {boolean} keyframe  its packets carry KEYFRAME
 * @property {boolean} replay    its first packet carried REPLAY (served from the relay's cache)
 * @property {number} timestamp
 * @property {number} firstSequence
 * @property {number} packets
 * @property {Uint8Array} data   the payloads joined
 */

/**
 * @typedef {object} PushResult
 * @property {Frame|null} frame   the frame this packet completed, if any
 * @property {number} lost        packets missing just before this one (0 normally)
 * @property {boolean} brokeKeyframe the loss hit a keyframe (or a keyframe arrived without its start)
 * @property {boolean} restarted  the sequence went backwards at a frame start: the stream restarted
 */

export class Depacketizer {
  constructor() {
    this.reset();
    this.framesCompleted = 0;
    this.framesDropped = 0;
    this.framesReplayed = 0;
    this.packetsLost = 0;
    this.packetsDiscarded = 0;
    this.bytes = 0;
  }

  /** Forgets the sequence state and any partial frame (a LAYER switch or a restarted stream). */
  reset() {
    this.nextSequence = null;
    this.inKeyframe = false;
    this.partial = null;
  }

  /**
   * Feeds one packet.
   * @param {{flags:number, streamId:number, sequence:number, timestamp:number}} header
   * @param {Uint8Array} payload
   * @returns {PushResult}
   */
  push(header, payload) {
    const result = { frame: null, lost: 0, brokeKeyframe: false, restarted: false };
    const key = (header.flags & Flag.KEYFRAME) !== 0;
    const start = (header.flags & Flag.FRAME_START) !== 0;
    const end = (header.flags & Flag.FRAME_END) !== 0;
    this.bytes += payload.length;
    if (this.nextSequence !== null) {
      const gap = seqDelta(this.nextSequence, header.sequence);
      if (gap < 0) {
        if (!start) {
          this.packetsDiscarded++; // a duplicate or a late one
          return result;
        }
        // A frame start behind us: the publisher started the stream again from a lower sequence.
        this.reset();
        result.restarted = true;
      } else if (gap > 0) {
        this.packetsLost += gap;
        result.lost = gap;
        result.brokeKeyframe = this.inKeyframe || (key && !start);
        if (this.partial) this.drop();
      }
    }
    this.nextSequence = (header.sequence + 1) >>> 0;
    this.inKeyframe = key && !end;

    if (start) {
      if (this.partial) this.drop(); // the previous frame never reached its FRAME_END
      this.partial = {
        streamId: header.streamId, keyframe: key, replay: (header.flags & Flag.REPLAY) !== 0,
        timestamp: header.timestamp, firstSequence: header.sequence, chunks: [], size: 0,
      };
    } else if (!this.partial) {
      this.packetsDiscarded++; // its frame started before we saw it, or was dropped
      return result;
    } else if (header.timestamp !== this.partial.timestamp) {
      this.drop();
      this.packetsDiscarded++;
      return result;
    }
    const p = this.partial;
    if (p.size + payload.length > MAX_FRAME_BYTES || p.chunks.length >= MAX_FRAME_PACKETS) {
      this.drop();
      this.packetsDiscarded++;
      return result;
    }
    // Copy: the payload is a view into the WebSocket message, which is not ours to keep.
    p.chunks.push(payload.slice());
    p.size += payload.length;
    if (end) {
      this.partial = null;
      this.framesCompleted++;
      if (p.replay) this.framesReplayed++;
      result.frame = {
        streamId: p.streamId, keyframe: p.keyframe, replay: p.replay, timestamp: p.timestamp,
        firstSequence: p.firstSequence, packets: p.chunks.length, data: concat(p.chunks, p.size),
      };
    }
    return result;
  }

  drop() {
    this.packetsDiscarded += this.partial.chunks.length;
    this.partial = null;
    this.framesDropped++;
  }
}

function concat(chunks, size) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
