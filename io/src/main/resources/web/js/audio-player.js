// An audio tile: Opus frames → WebCodecs AudioDecoder → Web Audio, scheduled back to back with a small cushion.

import { Tile } from './tile.js';
import { Unwrapper } from './clock.js';

/** Audio scheduled this far ahead absorbs jitter; more than MAX_AHEAD_S behind real time is cut. */
const CUSHION_S = 0.06;
const MAX_AHEAD_S = 0.5;

let sharedContext = null;

/** The page's one AudioContext (browsers start it suspended until a user gesture: see resumeAudio). */
export function audioContext() {
  sharedContext ??= new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
  return sharedContext;
}

/** Resumes audio after a click (autoplay policy). @returns {Promise<void>} */
export function resumeAudio() {
  return sharedContext ? sharedContext.resume() : Promise.resolve();
}

/** Whether audio is blocked until the user clicks. */
export function audioSuspended() {
  return sharedContext !== null && sharedContext.state === 'suspended';
}

export class AudioTile extends Tile {
  /** @param {import('./tile.js').TileContext} ctx */
  constructor(ctx) {
    super(ctx, 'audio');
    this.clock = new Unwrapper(48_000);
    this.nextTime = 0;
    this.configure();
  }

  configure() {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = new AudioDecoder({
      output: (data) => this.play(data),
      error: (e) => this.decoderFailed(e),
    });
    // Two channels: a mono Opus stream decodes to both, so one configuration fits every publisher.
    this.decoder.configure({ codec: 'opus', sampleRate: 48_000, numberOfChannels: 2 });
  }

  restart() {
    super.restart();
    this.configure();
  }

  onFrame(frame) {
    try {
      this.decoder.decode(new EncodedAudioChunk({
        type: 'key', timestamp: this.clock.micros(frame.timestamp), data: frame.data,
      }));
    } catch (e) {
      this.decoderFailed(e);
    }
  }

  play(data) {
    try {
      const s = this.stats;
      s.framesDecoded++;
      if (s.firstPictureMs === null) s.firstPictureMs = performance.now() - this.ctx.joinTime;
      const ac = audioContext();
      const buffer = ac.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
      for (let ch = 0; ch < data.numberOfChannels; ch++) {
        const plane = new Float32Array(data.numberOfFrames);
        data.copyTo(plane, { planeIndex: ch, format: 'f32-planar' });
        buffer.copyToChannel(plane, ch);
      }
      const now = ac.currentTime;
      if (this.nextTime < now || this.nextTime > now + MAX_AHEAD_S) this.nextTime = now + CUSHION_S;
      const src = ac.createBufferSource();
      src.buffer = buffer;
      src.connect(ac.destination);
      src.start(this.nextTime);
      this.nextTime += buffer.duration;
    } finally {
      data.close();
    }
  }

  decoderFailed(e) {
    this.stats.decodeErrors++;
    this.ctx.reportError({
      participant: this.ctx.participant, stream: this.currentStream, kind: 'audio',
      name: e?.name ?? 'Error', message: String(e?.message ?? e), at: Math.round(performance.now()),
    });
    this.configure();
  }

  close() {
    if (this.decoder.state !== 'closed') this.decoder.close();
    super.close();
  }
}
