// The lobby: asks for room, display name and an optional token, then opens the room page. The token goes to
// the room page in sessionStorage, not in its address, so it stays out of history, logs and Referer headers.

import { parseParams, withoutToken } from './params.js';

const $ = (id) => document.getElementById(id);
const params = parseParams(location.search);
$('room').value = params.room;
$('name').value = params.name;
$('token').value = params.token;
if (params.token) history.replaceState(null, '', withoutToken(location.search));

$('lobby-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const room = $('room').value.trim();
  const name = $('name').value.trim();
  const token = $('token').value.trim();
  if (token) sessionStorage.setItem('kfrelay.token', token);
  const publish = ['camera', 'mic', 'screen'].filter((s) => $(`pub-${s}`).checked);
  const q = new URLSearchParams({ room, name, autojoin: '1' });
  if (publish.length) q.set('publish', publish.join(','));
  location.href = `room.html?${q}`;
});
