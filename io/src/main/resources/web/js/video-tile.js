// A video tile: frames → WebCodecs VideoDecoder (H.264 Annex-B, no description) → a canvas.
// The decoder traps it steers around (STACK.md): a delta before any keyframe is refused, a chunk typed 'key'
// must hold an IDR, and an IDR without SPS/PPS as the first chunk after configure() closes the decoder.

import { Tile } from './tile.js';
import { describe } from './annexb.js';
import { Unwrapper } from './clock.js';

export const VIDEO_CODEC = 'avc1.42E01F';
/** Frames waiting in the decoder beyond which we stop feeding it and restart at a keyframe. */
const MAX_DECODE_QUEUE = 30;

export class VideoTile extends Tile {
  /** @param {import('./tile.js').TileContext} ctx */
  constructor(ctx) {
    super(ctx, 'video');
    this.canvas = document.createElement('canvas');
    this.canvas.width = 320;
    this.canvas.height = 180;
    this.canvas.dataset.participant = String(ctx.participant);
    this.canvas.dataset.stream = String(ctx.sourceId);
    this.element.insertBefore(this.canvas, this.overlay);
    this.g = this.canvas.getContext('2d');
    this.clock = new Unwrapper();
    this.configure();
  }

  /** A fresh decoder that waits for an IDR with its SPS and PPS. */
  configure() {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = new VideoDecoder({
      output: (frame) => this.draw(frame),
      error: (e) => this.decoderFailed(e),
    });
    this.decoder.configure({ codec: VIDEO_CODEC, optimizeForLatency: true });
    this.hasParameterSets = false; // decoded a keyframe with SPS/PPS since configure()
    this.waitingForKey = true;
  }

  wantsKeyframe() {
    return this.waitingForKey && this.stats.subscribed;
  }

  restart() {
    super.restart();
    this.configure();
  }

  onLoss(r) {
    // Anything decoded after a hole would show garbage until the next keyframe: wait for one and ask for it.
    this.waitingForKey = true;
    this.requestKeyframe(r.brokeKeyframe ? 'loss in a keyframe' : 'loss');
  }

  onFrame(frame) {
    const info = describe(frame.data);
    if (this.waitingForKey) {
      if (!info.idr) {
        this.stats.framesDropped++; // the decoder would refuse a delta now
        this.requestKeyframe('delta while waiting for a keyframe');
        return;
      }
      if (!this.hasParameterSets && !(info.sps && info.pps)) {
        this.stats.framesDropped++; // it would close the decoder
        this.requestKeyframe('IDR without SPS/PPS');
        return;
      }
    }
    if (this.decoder.decodeQueueSize > MAX_DECODE_QUEUE) {
      this.stats.framesDropped++;
      this.waitingForKey = true;
      this.requestKeyframe('decoder behind');
      return;
    }
    try {
      this.decoder.decode(new EncodedVideoChunk({
        // Typed by content, not by the KEYFRAME flag: 'key' on anything but an IDR throws.
        type: info.idr ? 'key' : 'delta',
        timestamp: this.clock.micros(frame.timestamp),
        data: frame.data,
      }));
      if (info.idr) {
        this.waitingForKey = false;
        if (info.sps && info.pps) this.hasParameterSets = true;
      }
    } catch (e) {
      this.decoderFailed(e); // a synchronous DataError leaves the decoder usable, but start clean anyway
    }
  }

  draw(frame) {
    try {
      const s = this.stats;
      if (s.firstPictureMs === null) s.firstPictureMs = performance.now() - this.ctx.joinTime;
      s.framesDecoded++;
      if (frame.displayWidth !== this.canvas.width || frame.displayHeight !== this.canvas.height) {
        this.canvas.width = frame.displayWidth;
        this.canvas.height = frame.displayHeight;
      }
      s.width = frame.displayWidth;
      s.height = frame.displayHeight;
      this.g.drawImage(frame, 0, 0);
    } finally {
      frame.close(); // decoders have few frames; an unclosed one stalls them
    }
  }

  decoderFailed(e) {
    this.stats.decodeErrors++;
    this.ctx.reportError({
      participant: this.ctx.participant, stream: this.currentStream, kind: 'video',
      name: e?.name ?? 'Error', message: String(e?.message ?? e), at: Math.round(performance.now()),
    });
    this.configure();
    this.requestKeyframe('decoder error');
  }

  close() {
    if (this.decoder.state !== 'closed') this.decoder.close();
    super.close();
  }
}
