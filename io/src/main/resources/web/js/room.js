// The room page: joins, follows who is in the room and what they publish (one tile per participant stream or
// simulcast source), publishes what the user turns on, and exposes read-only test hooks as window.kfrelay.

import { Connection } from './connection.js';
import { Kind, codeName } from './protocol.js';
import {
  PUBLISH_SOURCES, parseParams, redirectPageUrl, relayUrl, withoutToken,
} from './params.js';
import { VideoTile } from './video-tile.js';
import { AudioTile, audioSuspended, resumeAudio } from './audio-player.js';
import { Publisher } from './publisher.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'kfrelay.token'; // the lobby hands the token over in sessionStorage, not in the address

const state = {
  conn: null,
  publisher: null,
  joinTime: 0,
  joined: false,
  redirects: 0, // how many REDIRECTs led to this page (?redirects=)
  redirecting: false,
  participantId: null,
  room: null,
  relayError: null,
  participants: new Map(), // id → identity
  tiles: new Map(),        // "participant:sourceId" → Tile
  routes: new Map(),       // "participant:streamId" → Tile (every layer of a source routes to its tile)
  sources: new Map(),      // "participant:streamId" → source stream ids, for simulcast layers
  decoderErrors: [],
  log: [],
};

const key = (participant, stream) => `${participant}:${stream}`;

function note(text) {
  state.log.push(text);
  if (state.log.length > 200) state.log.shift();
  $('log').textContent = state.log.slice(-12).join('\n');
}

function setStatus(text) {
  $('status').textContent = text;
}

// ------------------------------------------------------------------------------------------------- tiles

function addTile(participant, sourceId, kind) {
  const k = key(participant, sourceId);
  if (state.tiles.has(k)) return state.tiles.get(k);
  const ctx = {
    participant, sourceId, joinTime: state.joinTime,
    identity: state.participants.get(participant) ?? `#${participant}`,
    send: (m) => state.conn?.sendControl(m),
    note,
    reportError: (e) => {
      state.decoderErrors.push(e);
      note(`decoder error ${e.participant}:${e.stream} ${e.name}: ${e.message}`);
    },
  };
  let tile;
  try {
    tile = kind === Kind.VIDEO ? new VideoTile(ctx) : new AudioTile(ctx);
  } catch (e) {
    // WebCodecs is missing outside secure contexts (http:// other than localhost): say so once, per tile.
    note(`cannot show ${participant}:${sourceId}: ${e.message} (WebCodecs needs https or localhost)`);
    return null;
  }
  tile.activeStreams = new Set([sourceId]);
  state.tiles.set(k, tile);
  state.routes.set(k, tile);
  (kind === Kind.VIDEO ? $('videos') : $('audios')).append(tile.element);
  return tile;
}

function removeTile(tile) {
  for (const [k, t] of state.routes) if (t === tile) state.routes.delete(k);
  state.tiles.delete(key(tile.ctx.participant, tile.ctx.sourceId));
  tile.close();
}

function streamStarted(participant, streamId, kind) {
  const k = key(participant, streamId);
  const tile = state.routes.get(k);
  if (tile) {
    tile.activeStreams.add(streamId);
    // The same stream id starting again is a new encoder: its sequence numbers and parameter sets start over.
    if (tile.layers === null || streamId === tile.currentStream) tile.restart();
    return;
  }
  const layers = state.sources.get(k);
  if (layers) {
    const source = addTile(participant, layers[0], Kind.VIDEO);
    if (source) {
      state.routes.set(k, source);
      source.activeStreams.add(streamId);
    }
    return;
  }
  addTile(participant, streamId, kind);
}

function streamEnded(participant, streamId) {
  const tile = state.routes.get(key(participant, streamId));
  if (!tile) return;
  tile.activeStreams.delete(streamId);
  if (tile.activeStreams.size === 0) removeTile(tile);
}

/** SIMULCAST: one tile for the source; its other layers' tiles (made from JOINED) fold into it. */
function simulcast(participant, streamIds) {
  const sourceId = streamIds[0];
  for (const id of streamIds) state.sources.set(key(participant, id), streamIds);
  const active = new Set();
  for (const id of streamIds) {
    const t = state.tiles.get(key(participant, id));
    if (t) {
      t.activeStreams.forEach((s) => active.add(s));
      if (id !== sourceId) removeTile(t);
    }
  }
  let tile = state.tiles.get(key(participant, sourceId));
  if (!tile && active.size === 0) return; // nothing of it published yet: its first STREAM_STARTED makes the tile
  tile ??= addTile(participant, sourceId, Kind.VIDEO);
  if (!tile) return;
  active.forEach((s) => tile.activeStreams.add(s));
  for (const id of streamIds) state.routes.set(key(participant, id), tile);
  tile.setLayers(streamIds);
}

function participantLeft(participant) {
  for (const tile of [...state.tiles.values()]) if (tile.ctx.participant === participant) removeTile(tile);
  for (const k of [...state.sources.keys()]) if (k.startsWith(`${participant}:`)) state.sources.delete(k);
  state.participants.delete(participant);
  renderParticipants();
}

function renderParticipants() {
  const list = $('participants');
  list.replaceChildren(...[...state.participants].map(([id, name]) => {
    const li = document.createElement('li');
    li.textContent = id === state.participantId ? `${name} (you)` : name;
    li.dataset.participant = String(id);
    return li;
  }));
}

// ------------------------------------------------------------------------------------------ relay messages

function onControl(m) {
  switch (m.type) {
    case 'JOINED':
      state.joined = true;
      state.participantId = m.participantId;
      state.room = m.room;
      state.participants.set(m.participantId, $('name').value);
      for (const p of m.participants) {
        state.participants.set(p.id, p.identity);
        for (const s of p.streams) streamStarted(p.id, s.streamId, s.kind);
      }
      renderParticipants();
      setStatus(`in room ${m.room} as ${$('name').value} (#${m.participantId})`);
      document.body.classList.add('joined');
      for (const source of wantedSources()) publish(source);
      break;
    case 'PARTICIPANT_JOINED':
      state.participants.set(m.participantId, m.identity);
      renderParticipants();
      note(`${m.identity} joined`);
      break;
    case 'PARTICIPANT_LEFT':
      note(`${state.participants.get(m.participantId) ?? m.participantId} left`);
      participantLeft(m.participantId);
      break;
    case 'STREAM_STARTED':
      if (m.participantId !== state.participantId) streamStarted(m.participantId, m.streamId, m.kind);
      break;
    case 'STREAM_ENDED':
      streamEnded(m.participantId, m.streamId);
      break;
    case 'KEYFRAME_REQUEST':
      state.publisher?.onKeyframeRequest(m.streamId);
      break;
    case 'SIMULCAST':
      if (m.publisherId !== state.participantId) simulcast(m.publisherId, m.streamIds);
      break;
    case 'LAYER': {
      const tile = state.routes.get(key(m.publisherId, m.sourceId));
      tile?.onLayer(m);
      note(`layer ${m.layer} of ${m.publisherId}:${m.sourceId} (cause ${m.cause})`);
      break;
    }
    case 'SUBSCRIBE_REFUSED':
      note(`subscribe to ${m.publisherId}:${m.streamId} refused: ${codeName(m.code)} ${m.reason}`);
      break;
    case 'REDIRECT':
      redirect(m);
      break;
    case 'NODES':
      // The cluster's nodes (a --cluster relay sends them after JOINED). The page does not reconnect by itself when
      // its relay is lost (BROWSER.md): it only keeps them for whoever looks at the state.
      state.clusterNodes = m.nodes;
      break;
    case 'ERROR':
      state.relayError = { code: m.code, name: codeName(m.code), reason: m.reason };
      setStatus(`relay error ${m.code} ${codeName(m.code)}: ${m.reason}`);
      note(`ERROR ${m.code} ${codeName(m.code)} ${m.reason}`);
      break;
    default:
      break;
  }
}

function onMedia(header, payload) {
  let tile = state.routes.get(key(header.senderId, header.streamId));
  // Media of a stream we were not told about (should not happen): show it rather than drop it silently.
  tile ??= addTile(header.senderId, header.streamId, header.kind);
  tile?.push(header, payload);
}

// ---------------------------------------------------------------------------------------------- publishing

function wantedSources() {
  return ['camera', 'mic', 'screen'].filter((s) => $(`pub-${s}`).checked);
}

async function publish(source) {
  const button = $(`toggle-${source}`);
  try {
    await state.publisher.start(source);
    button.classList.add('on');
  } catch (e) {
    note(`cannot publish ${source}: ${e.name} ${e.message}${source === 'screen' ? ' (click Screen to share)' : ''}`);
  }
}

function toggle(source) {
  if (!state.publisher) return;
  if (state.publisher.sources.has(source)) {
    state.publisher.stop(source);
    $(`toggle-${source}`).classList.remove('on');
  } else {
    publish(source);
  }
}

function showLocal(source, track) {
  const id = `local-${source}`;
  $(id)?.remove();
  if (!track || track.kind !== 'video') return;
  const video = document.createElement('video');
  video.id = id;
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  $('local').append(video);
}

// ---------------------------------------------------------------------------------------------- join, leave

function join() {
  if (state.conn) return;
  const room = $('room').value.trim();
  const identity = $('name').value.trim();
  if (!room || !identity) {
    setStatus('room and name are needed');
    return;
  }
  history.replaceState(null, '', `?${new URLSearchParams({ room, name: identity })}`);
  setStatus('joining…');
  state.joinTime = performance.now();
  state.conn = new Connection(relayUrl(location), { room, identity, token: $('token').value.trim() }, {
    onControl,
    onMedia,
    onMalformed: (status, detail) => note(`malformed message from the relay: ${status} ${detail}`),
    onClose: ({ code, error }) => {
      state.joined = false;
      state.publisher?.stopAll();
      document.body.classList.remove('joined');
      if (!state.redirecting) setStatus(error ? `closed by the relay: ${error.code} ${error.name} ${error.reason}` : `disconnected (${code})`);
      for (const tile of [...state.tiles.values()]) removeTile(tile);
      state.conn = null;
      state.publisher = null;
    },
  });
  state.publisher = new Publisher(state.conn, {
    onLocalTrack: showLocal,
    onError: (source, e) => note(`publishing ${source} failed: ${e.message}`),
  });
}

/**
 * REDIRECT: this relay is not the room's place. The page goes to the target node's own room page (its CSP lets a
 * page connect only to the relay that served it) and joins there; after MAX_REDIRECTS it stops with an error.
 */
function redirect(m) {
  const reason = ['', 'ROOM_ELSEWHERE', 'DRAINING', 'LOAD'][m.reason] ?? `REASON_${m.reason}`;
  note(`REDIRECT to node ${m.node} (${m.ws}): ${reason}`);
  try {
    const url = redirectPageUrl(m.ws, location.pathname, {
      room: $('room').value.trim(),
      name: $('name').value.trim(),
      token: $('token').value.trim(),
      publish: PUBLISH_SOURCES.filter((s) => $(`pub-${s}`).checked),
      redirects: state.redirects,
    });
    state.redirecting = true;
    setStatus(`redirected to node ${m.node} (${m.ws}): ${reason}`);
    location.assign(url);
  } catch (e) {
    state.relayError = { code: 0, name: 'REDIRECT', reason: e.message };
    setStatus(`redirect to node ${m.node} not followed: ${e.message}`);
  }
}

function leave() {
  state.publisher?.stopAll();
  state.conn?.leave();
}

// ---------------------------------------------------------------------------------------------- test hooks

/** Read-only hooks for browser tests (docs/BROWSER.md): plain snapshots, nothing that changes the page. */
const hooks = Object.freeze({
  get joined() { return state.joined; },
  get participantId() { return state.participantId; },
  get room() { return state.room; },
  get relayError() { return state.relayError && { ...state.relayError }; },
  tiles() {
    return [...state.tiles.values()].map((t) => ({ ...t.stats.snapshot(), identity: t.ctx.identity }));
  },
  decoderErrors() { return state.decoderErrors.map((e) => ({ ...e })); },
  publishing() { return state.publisher ? state.publisher.snapshot() : []; },
  participants() { return [...state.participants].map(([id, identity]) => ({ id, identity })); },
  log() { return [...state.log]; },
});
Object.defineProperty(window, 'kfrelay', { value: hooks, writable: false, configurable: false });

// -------------------------------------------------------------------------------------------------- start

function init() {
  const params = parseParams(location.search);
  state.redirects = params.redirects;
  let token = params.token;
  if (token) history.replaceState(null, '', withoutToken(location.search)); // keep it out of history
  token ||= sessionStorage.getItem(TOKEN_KEY) ?? '';
  sessionStorage.removeItem(TOKEN_KEY);
  $('room').value = params.room;
  $('name').value = params.name;
  $('token').value = token;
  for (const s of params.publish) $(`pub-${s}`).checked = true;

  $('join-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    resumeAudio();
    join();
  });
  $('leave').addEventListener('click', leave);
  for (const s of ['camera', 'mic', 'screen']) $(`toggle-${s}`).addEventListener('click', () => toggle(s));
  // Browsers keep audio suspended until a gesture; any click on the page starts it.
  document.addEventListener('click', () => resumeAudio());
  setInterval(() => {
    for (const tile of state.tiles.values()) tile.refresh();
    $('audio-hint').hidden = !audioSuspended();
  }, 500);
  if (typeof VideoDecoder !== 'function') {
    setStatus(isSecureContext ? 'this browser has no WebCodecs' : 'WebCodecs needs a secure context: use https:// or http://localhost');
  }
  if (params.autojoin && params.room && params.name) join();
}

init();
