// Loads io/src/test/resources/protocol-vectors.json, the vectors ProtocolVectorsTest writes from the Java codec.
import { readFileSync } from 'node:fs';

export const vectors = JSON.parse(readFileSync(new URL('../resources/protocol-vectors.json', import.meta.url), 'utf8'));

export function hex(s) {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

export function toHex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The frame bytes the Java vectors packetize: (i * 31 + 7) & 0xff. */
export function frameBytes(length) {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}
