// Page parameters and the relay's WebSocket address. Pure functions: the node tests check them.

/** Sources a page may publish, by their name in ?publish=. */
export const PUBLISH_SOURCES = Object.freeze(['camera', 'mic', 'screen']);

/**
 * The room page's parameters from a query string: room, name, token, autojoin, publish, and redirects (how many
 * REDIRECTs led here; see redirectPageUrl).
 * @param {string} search e.g. location.search
 * @returns {{room:string, name:string, token:string, autojoin:boolean, publish:string[], redirects:number}}
 */
export function parseParams(search) {
  const q = new URLSearchParams(search);
  const publish = (q.get('publish') ?? '').split(',').map((s) => s.trim()).filter((s) => PUBLISH_SOURCES.includes(s));
  return {
    room: q.get('room') ?? '',
    name: q.get('name') ?? '',
    token: q.get('token') ?? '',
    autojoin: q.get('autojoin') === '1' || q.get('autojoin') === 'true',
    publish: [...new Set(publish)],
    redirects: Math.max(0, Math.min(255, Number.parseInt(q.get('redirects') ?? '0', 10) || 0)),
  };
}

/** REDIRECTs one join follows before the page gives up (the Java client's KfRelayClient.MAX_REDIRECTS). */
export const MAX_REDIRECTS = 2;

/**
 * Where the room page goes on a REDIRECT (docs/BROWSER.md): the target node's own room page, so its WebSocket is
 * same-origin there (each relay's CSP allows connect-src to itself only). The target's ws:/wss: URL gives the origin
 * (http:/https:, same host and port); the path is this page's. The room, name and publish choice carry over, with
 * autojoin=1 and redirects one higher; the token goes in ?token= as the lobby may pass it, and the target page
 * removes it from the address bar as soon as it has read it.
 * @param {string} wsUrl the REDIRECT's target WebSocket URL, e.g. ws://10.0.0.5:8080/kfrelay
 * @param {string} pathname this page's path, e.g. location.pathname ("/room.html")
 * @param {{room:string, name:string, token?:string, publish?:string[], redirects?:number}} p
 * @returns {string} the page URL
 * @throws {RangeError} when wsUrl is not a ws: or wss: URL, or the join has been redirected MAX_REDIRECTS times
 */
export function redirectPageUrl(wsUrl, pathname, p) {
  const redirects = p.redirects ?? 0;
  if (redirects >= MAX_REDIRECTS) {
    throw new RangeError(`gave up after ${MAX_REDIRECTS} redirects: the relay redirects again to ${wsUrl}`);
  }
  let u;
  try {
    u = new URL(wsUrl);
  } catch {
    throw new RangeError(`the redirect's WebSocket URL is not a URL: '${wsUrl}'`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new RangeError(`the redirect's WebSocket URL is not ws: or wss:: '${wsUrl}'`);
  }
  const q = new URLSearchParams({ room: p.room, name: p.name });
  if (p.token) q.set('token', p.token);
  if (p.publish?.length) q.set('publish', p.publish.join(','));
  q.set('autojoin', '1');
  q.set('redirects', String(redirects + 1));
  const origin = `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
  return `${origin}${pathname}?${q}`;
}

/**
 * The WebSocket URL of the relay that served the page: same host and port, ws: for http:, wss: for https:, path
 * "/" (the relay upgrades "/" as well as its --ws-path, WsUpgradeHandler).
 * @param {{protocol:string, host:string}} loc e.g. window.location
 * @returns {string}
 */
export function relayUrl(loc) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/`;
}

/**
 * The query string without the token, so a token given in the address does not stay in history or bookmarks.
 * @param {string} search
 * @returns {string}
 */
export function withoutToken(search) {
  const q = new URLSearchParams(search);
  q.delete('token');
  const s = q.toString();
  return s ? `?${s}` : '';
}
