// What video and audio tiles share: the DOM shell (label, overlay, subscribe and layer controls), the stats,
// the depacketizer, and throttled keyframe requests.

import { Depacketizer } from './depacketizer.js';
import { LAYER_AUTO } from './protocol.js';
import { renderOverlay } from './overlay.js';
import { TileStats } from './stats.js';

/** Least time between two KEYFRAME_REQUESTs of one tile, as the Java client (LossDetector): 500 ms. */
export const KEYFRAME_REQUEST_INTERVAL_MS = 500;

/**
 * @typedef {object} TileContext
 * @property {number} participant   publisher id
 * @property {string} identity      publisher's display name
 * @property {number} sourceId      the stream id (for a simulcast source: its first layer's)
 * @property {number} joinTime      performance.now() when JOIN was sent
 * @property {(msg:object)=>void} send  sends a control message
 * @property {(e:object)=>void} reportError  records a decoder error for window.kfrelay
 * @property {(text:string)=>void} [note]     adds a line to the page's event log (window.kfrelay.log())
 */

export class Tile {
  /**
   * @param {TileContext} ctx
   * @param {'video'|'audio'} kind
   */
  constructor(ctx, kind) {
    this.ctx = ctx;
    this.kind = kind;
    this.stats = new TileStats(ctx.participant, ctx.sourceId, kind);
    this.depacketizer = new Depacketizer();
    this.layers = null; // simulcast: the source's stream ids, lowest first
    this.currentStream = ctx.sourceId; // the stream whose packets arrive now (a layer may differ from the source)
    this.preferredLayer = LAYER_AUTO;
    this.lastRequest = -Infinity;
    this.requestTimer = null;

    this.element = document.createElement('figure');
    this.element.className = `tile tile-${kind}`;
    this.element.dataset.participant = String(ctx.participant);
    this.element.dataset.stream = String(ctx.sourceId);
    const caption = document.createElement('figcaption');
    this.label = document.createElement('span');
    this.label.className = 'label';
    this.label.textContent = `${ctx.identity} · ${kind} ${ctx.sourceId}`;
    this.controls = document.createElement('span');
    this.controls.className = 'controls';
    this.subscribeButton = document.createElement('button');
    this.subscribeButton.type = 'button';
    this.subscribeButton.textContent = 'Unsubscribe';
    this.subscribeButton.addEventListener('click', () => this.setSubscribed(!this.stats.subscribed));
    this.controls.append(this.subscribeButton);
    caption.append(this.label, this.controls);
    this.overlay = document.createElement('pre');
    this.overlay.className = 'overlay';
    this.element.append(caption, this.overlay);
  }

  /** Whether packets of `streamId` belong here now (a layer switch leaves nothing of the old layer behind). */
  accepts(streamId) {
    return this.stats.subscribed && (this.layers === null || streamId === this.currentStream);
  }

  /**
   * Feeds one media packet: assembles frames, counts loss, asks for a keyframe when loss broke one.
   * @param {object} header  decoded media header
   * @param {Uint8Array} payload
   */
  push(header, payload) {
    if (!this.accepts(header.streamId)) return;
    this.stats.rate.add(payload.length + 20, performance.now());
    const r = this.depacketizer.push(header, payload);
    if (r.restarted) this.restart();
    if (r.lost) {
      this.stats.packetsLost += r.lost;
      this.onLoss(r);
    }
    this.stats.framesReplayed = this.depacketizer.framesReplayed;
    if (r.frame) this.onFrame(r.frame);
  }

  /** Loss: by default nothing (audio just plays on); video overrides. */
  onLoss() {}

  /** A whole frame; subclasses decode it. */
  onFrame() {}

  /** The stream started over: forget what was assembled; subclasses reset their decoder. */
  restart() {
    this.depacketizer.reset();
  }

  /**
   * Asks the publisher for a keyframe of the stream arriving now, at most once per 500 ms; one asked for inside
   * the interval goes out when it ends (if still wanted then).
   * @param {string} why
   */
  requestKeyframe(why) {
    const now = performance.now();
    const wait = this.lastRequest + KEYFRAME_REQUEST_INTERVAL_MS - now;
    if (wait > 0) {
      this.requestTimer ??= setTimeout(() => {
        this.requestTimer = null;
        if (this.wantsKeyframe()) this.requestKeyframe(why);
      }, wait);
      return;
    }
    this.lastRequest = now;
    this.stats.keyframeRequests++;
    this.ctx.note?.(`keyframe request ${this.ctx.participant}:${this.currentStream}: ${why}`);
    this.ctx.send({ type: 'KEYFRAME_REQUEST', senderId: this.ctx.participant, streamId: this.currentStream });
  }

  /** Whether a keyframe is still needed (video: waiting for one). */
  wantsKeyframe() {
    return false;
  }

  /**
   * The relay says which layer of the source comes from now on (LAYER): new stream id, new sequence numbers.
   * @param {{streamId:number, layer:number}} m
   */
  onLayer(m) {
    this.currentStream = m.streamId;
    this.stats.layer = m.layer;
    this.depacketizer.reset(); // PROTOCOL.md §4.14: start loss tracking of the layer afresh
  }

  /**
   * The source turned out to be simulcast (SIMULCAST): offer a layer choice.
   * @param {number[]} streamIds lowest quality first
   */
  setLayers(streamIds) {
    this.layers = streamIds;
    if (this.layerSelect) return;
    this.layerSelect = document.createElement('select');
    this.layerSelect.title = 'layer';
    const auto = new Option('auto', String(LAYER_AUTO));
    this.layerSelect.append(auto, ...streamIds.map((_, i) => new Option(`layer ${i}`, String(i))));
    this.layerSelect.addEventListener('change', () => {
      this.preferredLayer = Number(this.layerSelect.value);
      if (this.stats.subscribed) this.subscribe();
    });
    this.controls.prepend(this.layerSelect);
  }

  subscribe() {
    this.ctx.send({ type: 'SUBSCRIBE', publisherId: this.ctx.participant, streamId: this.ctx.sourceId, layer: this.preferredLayer });
  }

  /**
   * Subscribes again (the relay replays its cached picture) or unsubscribes (nothing more arrives).
   * @param {boolean} on
   */
  setSubscribed(on) {
    if (on === this.stats.subscribed) return;
    this.stats.subscribed = on;
    this.subscribeButton.textContent = on ? 'Unsubscribe' : 'Subscribe';
    this.element.classList.toggle('unsubscribed', !on);
    if (on) {
      this.restart(); // the stream comes back from a cached keyframe, not where we left it
      this.subscribe();
    } else {
      this.ctx.send({ type: 'UNSUBSCRIBE', publisherId: this.ctx.participant, streamId: this.ctx.sourceId });
    }
  }

  refresh() {
    renderOverlay(this.overlay, this.stats);
  }

  close() {
    clearTimeout(this.requestTimer);
    this.element.remove();
  }
}
