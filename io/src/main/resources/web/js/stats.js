// Counters of one tile, and the bitrate meter the overlay shows.

/** Bits per second over a sliding window. */
export class RateMeter {
  /** @param {number} windowMs */
  constructor(windowMs = 2000) {
    this.windowMs = windowMs;
    this.samples = [];
  }

  /** @param {number} bytes @param {number} now ms */
  add(bytes, now) {
    this.samples.push([now, bytes]);
    this.trim(now);
  }

  trim(now) {
    while (this.samples.length && this.samples[0][0] < now - this.windowMs) this.samples.shift();
  }

  /** @param {number} now ms @returns {number} bits per second */
  bitsPerSecond(now) {
    this.trim(now);
    let bytes = 0;
    for (const [, b] of this.samples) bytes += b;
    return (bytes * 8 * 1000) / this.windowMs;
  }
}

/** The numbers window.kfrelay.tiles() reports for one tile. */
export class TileStats {
  constructor(participant, stream, kind) {
    this.participant = participant;
    this.stream = stream;
    this.kind = kind;
    this.firstPictureMs = null; // from JOIN sent to the first frame out of the decoder
    this.framesDecoded = 0;
    this.framesReplayed = 0;    // whole frames whose packets carried REPLAY
    this.framesDropped = 0;     // incomplete, skipped while waiting for a keyframe, or refused by the decoder
    this.decodeErrors = 0;
    this.keyframeRequests = 0;
    this.packetsLost = 0;
    this.width = 0;
    this.height = 0;
    this.layer = null;          // simulcast: the layer the relay says it sends
    this.subscribed = true;
    this.rate = new RateMeter();
  }

  /** A plain object copy, safe to hand to tests. */
  snapshot() {
    const { rate, ...rest } = this;
    return { ...rest, bitrate: Math.round(rate.bitsPerSecond(performance.now())) };
  }
}
