// Media clocks: the wire carries u32 timestamps that wrap; WebCodecs wants growing microseconds.

/** Turns a wrapping u32 media clock (90 kHz video, 48 kHz audio) into growing microseconds (WebCodecs timestamps). */
export class Unwrapper {
  constructor(rate = 90_000) {
    this.rate = rate;
    this.last = null;
    this.ticks = 0;
  }

  /** @param {number} ts u32 @returns {number} microseconds */
  micros(ts) {
    if (this.last !== null) this.ticks += (ts - this.last) | 0;
    else this.ticks = 0;
    this.last = ts;
    return Math.round((this.ticks * 1e6) / this.rate);
  }
}
