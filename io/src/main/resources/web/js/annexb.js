// H.264 Annex-B helpers (the Java side: io/src/main/java/io/kfrelay/media/h264/AnnexB.java, NalUnit.java).
// The decoder needs them because WebCodecs is strict: a chunk typed 'key' must hold an IDR, and the first
// key chunk after configure() must carry SPS and PPS or the decoder closes itself (STACK.md, decoder traps).

export const NalType = Object.freeze({ SLICE: 1, PARTITION_A: 2, IDR: 5, SEI: 6, SPS: 7, PPS: 8, AUD: 9 });

/**
 * The NAL units of an Annex-B access unit, as {type, offset, end} (offset after the start code, end exclusive,
 * trailing zero bytes excluded). Bytes before the first start code are ignored.
 * @param {Uint8Array} au
 * @returns {{type:number, offset:number, end:number}[]}
 */
export function nalUnits(au) {
  const units = [];
  let code = findStartCode(au, 0);
  while (code >= 0) {
    const offset = code + 3;
    const next = findStartCode(au, offset);
    let end = next < 0 ? au.length : next;
    // Zero bytes before the next 00 00 01 belong to its 4-byte start code, not to this unit.
    while (end > offset && au[end - 1] === 0) end--;
    if (end > offset) units.push({ type: au[offset] & 0x1F, offset, end });
    code = next;
  }
  return units;
}

/** Index of the next 00 00 01 at or after `from`, or -1. */
export function findStartCode(b, from) {
  for (let i = from; i + 2 < b.length; i++) {
    if (b[i + 2] > 1) i += 2; // no start code can end at or before i + 2
    else if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) return i;
  }
  return -1;
}

/**
 * What an access unit holds: whether it has an IDR slice, an SPS, a PPS.
 * @param {Uint8Array} au
 * @returns {{idr:boolean, sps:boolean, pps:boolean, types:number[]}}
 */
export function describe(au) {
  const types = nalUnits(au).map((u) => u.type);
  return {
    idr: types.includes(NalType.IDR),
    sps: types.includes(NalType.SPS),
    pps: types.includes(NalType.PPS),
    types,
  };
}

/**
 * Whether a decoder freshly configured (no description) can start at this access unit: an IDR with its SPS and
 * PPS in front.
 * @param {Uint8Array} au
 * @returns {boolean}
 */
export function isDecoderStart(au) {
  const d = describe(au);
  return d.idr && d.sps && d.pps;
}
