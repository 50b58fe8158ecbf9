// The relay's live admin page: polls /api/stats and /api/rooms (same origin, behind the admin token) and draws the
// last five minutes on a canvas. No framework, nothing from elsewhere: the CSP allows this origin only.

const POLL_MS = 2000;
const HISTORY_MS = 5 * 60 * 1000;
const TOKEN_KEY = 'kfrelay-admin-token'; // sessionStorage: gone with the tab, never in a URL

const $ = (id) => document.getElementById(id);
const samples = []; // {t, egressRate, dropRate, cacheBytes}
let previous = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function getJson(path) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (response.status === 401) {
    $('token-form').hidden = false;
    throw new Error('the admin API needs its token');
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function showStats(s) {
  $('rooms').textContent = s.rooms;
  $('participants').textContent = s.participants;
  $('streams').textContent = s.streams;
  $('cache').textContent = `${bytes(s.cacheBytes)} / ${bytes(s.cacheBudgetBytes)}`;
  $('replays').textContent = `${s.replays} (${s.replaysActive})`;
  $('drops').textContent = s.drops;
  if (previous && s.timeMs > previous.timeMs) {
    const seconds = (s.timeMs - previous.timeMs) / 1000;
    samples.push({
      t: s.timeMs,
      egressRate: Math.max(0, s.egressPackets - previous.egressPackets) / seconds,
      dropRate: Math.max(0, s.drops - previous.drops) / seconds,
      cacheBytes: s.cacheBytes,
    });
  }
  previous = s;
  while (samples.length && samples[0].t < s.timeMs - HISTORY_MS) samples.shift();
  draw(s.timeMs);
}

function draw(now) {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const w = canvas.width;
  const h = canvas.height;
  const pad = 30;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = '#8886';
  ctx.strokeRect(pad, 8, w - 2 * pad, h - pad - 8);
  if (samples.length < 2) return;
  const x = (t) => pad + (w - 2 * pad) * (1 - (now - t) / HISTORY_MS);
  const rateMax = Math.max(1, ...samples.map((p) => Math.max(p.egressRate, p.dropRate)));
  const cacheMax = Math.max(1, ...samples.map((p) => p.cacheBytes));
  const y = (v, max) => h - pad - (h - pad - 16) * (v / max);
  const line = (color, value, max) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    samples.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(p.t), y(value(p), max)));
    ctx.stroke();
  };
  line('#2a7de1', (p) => p.egressRate, rateMax);
  line('#d9412b', (p) => p.dropRate, rateMax);
  line('#3aa655', (p) => p.cacheBytes, cacheMax);
  ctx.fillStyle = '#888';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`${Math.round(rateMax)}/s`, 2, 18);
  ctx.fillText(bytes(cacheMax), w - pad + 2, 18);
  ctx.fillText('-5 min', pad, h - 10);
  ctx.fillText('now', w - pad - 20, h - 10);
}

function cell(row, text, numeric) {
  const td = row.insertCell();
  td.textContent = text; // textContent only: room and identity names come from clients
  if (numeric) td.className = 'num';
}

function showRooms(body) {
  const rows = $('room-rows');
  rows.replaceChildren();
  for (const room of body.rooms) {
    for (const p of room.participants) {
      const streams = p.streams.length ? p.streams : [null];
      for (const s of streams) {
        const row = rows.insertRow();
        cell(row, room.name);
        cell(row, `${p.identity} (#${p.id})`);
        cell(row, s ? s.id : '–', true);
        cell(row, s ? s.kind : '–');
        cell(row, s ? s.subscribers : '–', true);
        cell(row, s && s.cache ? bytes(s.cache.bytes) : '–', true);
        cell(row, s && s.cache ? (s.cache.hasKeyframe ? 'yes' : 'no') : '–');
        cell(row, p.replaying ? 'yes' : 'no');
      }
    }
  }
}

async function poll() {
  try {
    const [stats, rooms] = await Promise.all([getJson('/api/stats'), getJson('/api/rooms')]);
    showStats(stats);
    showRooms(rooms);
    $('status').textContent = stats.draining ? 'draining' : `live, ${stats.cacheMode} cache`;
    $('status').className = 'status';
  } catch (e) {
    $('status').textContent = e.message;
    $('status').className = 'status error';
  }
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  $('token-form').hidden = true;
  poll();
});

poll();
setInterval(poll, POLL_MS);
