// The page's pure helpers: URL parameters, the relay address, media clocks, codec choice.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_REDIRECTS, parseParams, redirectPageUrl, relayUrl, withoutToken,
} from '../../main/resources/web/js/params.js';
import { Unwrapper } from '../../main/resources/web/js/clock.js';
import { avcCodecFor, mediaTimestamp, STREAM_IDS } from '../../main/resources/web/js/publisher.js';
import { RateMeter } from '../../main/resources/web/js/stats.js';

test('room page parameters', () => {
  assert.deepEqual(parseParams('?room=R&name=N&token=T&autojoin=1&publish=camera,mic,screen,bogus,mic'),
    { room: 'R', name: 'N', token: 'T', autojoin: true, publish: ['camera', 'mic', 'screen'], redirects: 0 });
  assert.deepEqual(parseParams(''), { room: '', name: '', token: '', autojoin: false, publish: [], redirects: 0 });
  assert.equal(parseParams('?redirects=2').redirects, 2);
  assert.equal(parseParams('?redirects=x').redirects, 0);
  assert.equal(parseParams('?autojoin=0').autojoin, false);
  assert.equal(parseParams('?name=Zo%C3%AB').name, 'Zoë');
});

test('the relay address follows the page: same host and port, wss on https', () => {
  assert.equal(relayUrl({ protocol: 'http:', host: 'localhost:8080' }), 'ws://localhost:8080/');
  assert.equal(relayUrl({ protocol: 'https:', host: 'relay.example:8443' }), 'wss://relay.example:8443/');
  assert.equal(relayUrl({ protocol: 'https:', host: '[::1]:8443' }), 'wss://[::1]:8443/');
});

test('a token is taken out of the address', () => {
  assert.equal(withoutToken('?room=r&token=secret&name=n'), '?room=r&name=n');
  assert.equal(withoutToken('?token=secret'), '');
});

test('wrapping media clocks become growing microseconds', () => {
  const u = new Unwrapper(90_000);
  assert.equal(u.micros(0xFFFFFFF0), 0);
  assert.equal(u.micros(74), 1000); // 0xFFFFFFF0 + 90 wraps to 74
  assert.equal(u.micros(74 + 90_000), 1_001_000);
  assert.equal(mediaTimestamp(1_000_000, 90_000), 90_000);
  assert.equal(mediaTimestamp(2 ** 32 / 90_000 * 1e6 + 1000, 90_000), 90);
});

test('H.264 level follows the picture size', () => {
  assert.equal(avcCodecFor(640, 360), 'avc1.42E01F');
  assert.equal(avcCodecFor(1280, 720), 'avc1.42E01F');
  assert.equal(avcCodecFor(1920, 1080), 'avc1.42E028');
  assert.equal(avcCodecFor(2560, 1440), 'avc1.42E033');
  assert.deepEqual(Object.values(STREAM_IDS).sort(), [1, 2, 3]);
});

test('bitrate over a sliding window', () => {
  const m = new RateMeter(1000);
  m.add(1000, 0);
  m.add(1000, 500);
  assert.equal(m.bitsPerSecond(900), 16_000);
  assert.equal(m.bitsPerSecond(1200), 8000);
});

test('a REDIRECT sends the page to the target node\'s own room page, joining again there', () => {
  const p = { room: 'R 1', name: 'Zoë', token: 'T', publish: ['camera', 'mic'], redirects: 0 };
  const url = redirectPageUrl('ws://10.0.0.5:8080/kfrelay', '/room.html', p);
  assert.equal(url, 'http://10.0.0.5:8080/room.html?room=R+1&name=Zo%C3%AB&token=T&publish=camera%2Cmic&autojoin=1&redirects=1');
  const back = parseParams(new URL(url).search);
  assert.deepEqual(back, { room: 'R 1', name: 'Zoë', token: 'T', autojoin: true, publish: ['camera', 'mic'], redirects: 1 });
  assert.equal(redirectPageUrl('wss://b.example/kfrelay', '/room.html', { room: 'R', name: 'N', redirects: 1 }),
    'https://b.example/room.html?room=R&name=N&autojoin=1&redirects=2');
  assert.throws(() => redirectPageUrl('ws://a/', '/room.html', { room: 'R', name: 'N', redirects: MAX_REDIRECTS }),
    /gave up after 2 redirects/);
  assert.throws(() => redirectPageUrl('quic://a:4433', '/room.html', { room: 'R', name: 'N' }), RangeError);
  assert.throws(() => redirectPageUrl('', '/room.html', { room: 'R', name: 'N' }), RangeError);
});
