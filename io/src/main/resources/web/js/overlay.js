// The text over each tile: how it is doing, for humans (tests read window.kfrelay instead).

/**
 * Renders a tile's stats into its overlay element.
 * @param {HTMLElement} el
 * @param {import('./stats.js').TileStats} s
 */
export function renderOverlay(el, s) {
  const kbps = Math.round(s.rate.bitsPerSecond(performance.now()) / 1000);
  const lines = [
    s.firstPictureMs === null ? 'waiting for a picture' : `first picture ${Math.round(s.firstPictureMs)} ms after JOIN`,
    `${kbps} kbit/s`,
    `decoded ${s.framesDecoded}, replayed ${s.framesReplayed}, dropped ${s.framesDropped}`,
    `keyframe requests ${s.keyframeRequests}${s.decodeErrors ? `, decoder errors ${s.decodeErrors}` : ''}`,
  ];
  if (s.kind === 'video' && s.width) lines.push(`${s.width}x${s.height}${s.layer === null ? '' : `, layer ${s.layer}`}`);
  if (!s.subscribed) lines.unshift('unsubscribed');
  el.textContent = lines.join('\n');
}
