// Publishing from the browser: camera and screen as H.264 (WebCodecs VideoEncoder, Annex-B output so SPS/PPS
// travel inline in every keyframe), microphone as Opus (AudioEncoder); each encoded frame is packetized as
// PROTOCOL.md §2 says and sent as binary WebSocket frames. The relay stamps our participant id on every packet.

import { Kind } from './protocol.js';
import { Packetizer } from './packetizer.js';

/** Stream ids this page publishes (unique per publisher, chosen by it). */
export const STREAM_IDS = Object.freeze({ camera: 1, mic: 2, screen: 3 });
/** A keyframe at least this often, so a viewer who lost something recovers without asking. */
export const KEYFRAME_INTERVAL_MS = 2000;
/** Socket backlog beyond which encoded video is dropped (and the next frame made a keyframe). */
const MAX_SOCKET_BACKLOG = 4 << 20;

/**
 * The H.264 codec string for a picture size: Constrained Baseline at the lowest level that holds it (level 3.1
 * up to 1280x720, 4.0 up to 2048x1088, else 5.1), since an encoder refuses a size above its level.
 * @param {number} width
 * @param {number} height
 * @returns {string}
 */
export function avcCodecFor(width, height) {
  const macroblocks = Math.ceil(width / 16) * Math.ceil(height / 16);
  if (macroblocks <= 3600) return 'avc1.42E01F';
  if (macroblocks <= 8704) return 'avc1.42E028';
  return 'avc1.42E033';
}

/**
 * Microseconds (WebCodecs) to a u32 media clock tick.
 * @param {number} micros
 * @param {number} rate 90000 or 48000
 * @returns {number}
 */
export function mediaTimestamp(micros, rate) {
  return Math.round((micros * rate) / 1e6) >>> 0;
}

export class Publisher {
  /**
   * @param {{sendPacket:(p:Uint8Array)=>void, sendControl:(m:object)=>void, bufferedAmount:number}} conn
   * @param {{onLocalTrack?:(source:string, track:MediaStreamTrack|null)=>void, onError?:(source:string, e:Error)=>void}} hooks
   */
  constructor(conn, hooks = {}) {
    this.conn = conn;
    this.hooks = hooks;
    /** @type {Map<string, object>} active sources by name */
    this.sources = new Map();
  }

  /**
   * Starts publishing `source` ('camera', 'mic' or 'screen'); resolves once capture runs.
   * @param {'camera'|'mic'|'screen'} source
   */
  async start(source) {
    if (this.sources.has(source)) return;
    let stream;
    if (source === 'screen') stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    else if (source === 'camera') stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 30 } });
    else stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, sampleRate: 48_000, echoCancellation: true } });
    const track = source === 'mic' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    const s = {
      source, track, streamId: STREAM_IDS[source], kind: source === 'mic' ? 'audio' : 'video',
      packetizer: new Packetizer({ streamId: STREAM_IDS[source], kind: source === 'mic' ? Kind.AUDIO : Kind.VIDEO }),
      encoder: null, stopped: false, forceKey: true, lastKey: -Infinity,
      framesEncoded: 0, keyframes: 0, framesDropped: 0, packetsSent: 0, bytesSent: 0, keyframeRequests: 0,
    };
    this.sources.set(source, s);
    track.addEventListener('ended', () => this.stop(source)); // the user stopped sharing from the browser UI
    this.hooks.onLocalTrack?.(source, track);
    if (s.kind === 'video') this.runVideo(s);
    else this.runAudio(s);
  }

  /**
   * Stops a source: capture, encoder, and tells the relay with STREAM_ENDED.
   * @param {string} source
   */
  stop(source) {
    const s = this.sources.get(source);
    if (!s) return;
    this.sources.delete(source);
    s.stopped = true;
    s.track.stop();
    if (s.encoder && s.encoder.state !== 'closed') s.encoder.close();
    s.timer && clearInterval(s.timer);
    this.conn.sendControl({ type: 'STREAM_ENDED', participantId: 0, streamId: s.streamId });
    this.hooks.onLocalTrack?.(source, null);
  }

  stopAll() {
    for (const source of [...this.sources.keys()]) this.stop(source);
  }

  /**
   * The relay passes on a viewer's KEYFRAME_REQUEST: the next frame of that stream is a keyframe.
   * @param {number} streamId
   */
  onKeyframeRequest(streamId) {
    for (const s of this.sources.values()) {
      if (s.streamId === streamId) {
        s.forceKey = true;
        s.keyframeRequests++;
      }
    }
  }

  /** Per published stream counters, for window.kfrelay.publishing(). */
  snapshot() {
    return [...this.sources.values()].map((s) => ({
      source: s.source, stream: s.streamId, kind: s.kind, framesEncoded: s.framesEncoded, keyframes: s.keyframes,
      framesDropped: s.framesDropped, packetsSent: s.packetsSent, bytesSent: s.bytesSent, keyframeRequests: s.keyframeRequests,
    }));
  }

  send(s, keyframe, data, timestamp) {
    for (const p of s.packetizer.packetize(keyframe, data, timestamp)) {
      this.conn.sendPacket(p);
      s.packetsSent++;
      s.bytesSent += p.length;
    }
  }

  // ------------------------------------------------------------------------------------------------- video

  runVideo(s) {
    s.encoder = new VideoEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        const key = chunk.type === 'key';
        if (!key && this.conn.bufferedAmount > MAX_SOCKET_BACKLOG) {
          s.framesDropped++; // the link cannot take it: skip to the next keyframe rather than queue without end
          s.forceKey = true;
          return;
        }
        s.framesEncoded++;
        if (key) s.keyframes++;
        this.send(s, key, data, mediaTimestamp(chunk.timestamp, 90_000));
      },
      error: (e) => this.failed(s, e),
    });
    const encode = (frame) => {
      try {
        if (s.stopped) return;
        if (s.encoder.state === 'unconfigured') this.configureVideo(s, frame);
        if (s.encoder.encodeQueueSize > 2) {
          s.framesDropped++; // the encoder is behind: drop rather than add latency
          return;
        }
        const now = performance.now();
        const keyFrame = s.forceKey || now - s.lastKey >= KEYFRAME_INTERVAL_MS;
        if (keyFrame) {
          s.forceKey = false;
          s.lastKey = now;
        }
        s.encoder.encode(frame, { keyFrame });
      } catch (e) {
        this.failed(s, e);
      } finally {
        frame.close();
      }
    };
    if (typeof MediaStreamTrackProcessor === 'function') {
      this.pump(s, new MediaStreamTrackProcessor({ track: s.track }).readable, encode);
    } else {
      this.pollVideoElement(s, encode); // browsers without MediaStreamTrackProcessor: copy a <video> each tick
    }
  }

  configureVideo(s, frame) {
    const width = frame.displayWidth & ~1; // H.264 4:2:0 wants even sizes
    const height = frame.displayHeight & ~1;
    s.encoder.configure({
      codec: avcCodecFor(width, height), width, height,
      bitrate: s.source === 'screen' ? 1_500_000 : 800_000, framerate: s.source === 'screen' ? 15 : 30,
      latencyMode: 'realtime', avc: { format: 'annexb' },
    });
  }

  pollVideoElement(s, encode) {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([s.track]);
    video.play().catch((e) => this.failed(s, e));
    const start = performance.now();
    s.timer = setInterval(() => {
      if (video.readyState >= 2 && video.videoWidth) {
        encode(new VideoFrame(video, { timestamp: Math.round((performance.now() - start) * 1000) }));
      }
    }, s.source === 'screen' ? 66 : 33);
  }

  // ------------------------------------------------------------------------------------------------- audio

  runAudio(s) {
    if (typeof MediaStreamTrackProcessor !== 'function') {
      this.failed(s, new Error('publishing the microphone needs MediaStreamTrackProcessor (a Chromium browser)'));
      return;
    }
    s.encoder = new AudioEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        s.framesEncoded++;
        this.send(s, false, data, mediaTimestamp(chunk.timestamp, 48_000));
      },
      error: (e) => this.failed(s, e),
    });
    this.pump(s, new MediaStreamTrackProcessor({ track: s.track }).readable, (data) => {
      try {
        if (s.stopped) return;
        if (s.encoder.state === 'unconfigured') {
          s.encoder.configure({ codec: 'opus', sampleRate: data.sampleRate, numberOfChannels: data.numberOfChannels, bitrate: 48_000 });
        }
        s.encoder.encode(data);
      } catch (e) {
        this.failed(s, e);
      } finally {
        data.close();
      }
    });
  }

  /** Reads a track's frames until the source stops. */
  async pump(s, readable, each) {
    const reader = readable.getReader();
    try {
      while (!s.stopped) {
        const { value, done } = await reader.read();
        if (done) break;
        if (s.stopped) value.close();
        else each(value);
      }
    } catch (e) {
      if (!s.stopped) this.failed(s, e);
    } finally {
      reader.releaseLock();
    }
  }

  failed(s, e) {
    if (s.stopped) return;
    this.hooks.onError?.(s.source, e instanceof Error ? e : new Error(String(e)));
    this.stop(s.source);
  }
}
