// Page parameters and the relay's WebSocket address. Pure functions: the node tests check them.

/** Sources a page may publish, by their name in ?publish=. */
export const PUBLISH_SOURCES = Object.freeze(['camera', 'mic', 'screen']);

/**
 * The room page's parameters from a query string: room, name, token, autojoin, publish.
 * @param {string} search e.g. location.search
 * @returns {{room:string, name:string, token:string, autojoin:boolean, publish:string[]}}
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
  };
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
