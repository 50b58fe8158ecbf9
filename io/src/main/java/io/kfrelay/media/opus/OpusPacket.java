package io.kfrelay.media.opus;

/**
 * What the TOC byte of an Opus packet (RFC 6716 §3.1) says, and whether the packet is well formed (§3.4, R1-R7).
 * Durations are in 48 kHz samples, the rate an Ogg Opus granule position counts in whatever the coded bandwidth.
 *
 * <p>TOC byte: {@code config} (5 bits) | {@code s} stereo (1 bit) | {@code c} frame count code (2 bits).
 * The config gives the mode and the duration of each frame; c = 0: one frame, 1: two of equal size, 2: two of
 * different sizes, 3: a count of frames (1..48) in the low 6 bits of the second byte.
 */
public final class OpusPacket {
    /** Longest packet: 120 ms (R5). */
    public static final int MAX_SAMPLES = 5760;
    /** Longest frame the packet may hold (R2). */
    public static final int MAX_FRAME_BYTES = 1275;
    /** Frame durations in 48 kHz samples: 2.5, 5, 10, 20, 40, 60 ms. */
    private static final int[] SILK = {480, 960, 1920, 2880};
    private static final int[] HYBRID = {480, 960};
    private static final int[] CELT = {120, 240, 480, 960};

    private OpusPacket() {
    }

    /** Duration of each frame of a packet with this TOC byte, in 48 kHz samples (120 for 2.5 ms .. 2880 for 60 ms). */
    public static int frameSamples(int toc) {
        int config = (toc & 0xFF) >>> 3;
        if (config < 12) {
            return SILK[config & 3]; // SILK-only: NB 0-3, MB 4-7, WB 8-11, each 10/20/40/60 ms
        }
        if (config < 16) {
            return HYBRID[config & 1]; // Hybrid: SWB 12-13, FB 14-15, each 10/20 ms
        }
        return CELT[config & 3]; // CELT-only: NB, WB, SWB, FB, each 2.5/5/10/20 ms
    }

    /** The TOC's stereo bit s: the packet codes two channels. */
    public static boolean stereo(int toc) {
        return (toc & 0x04) != 0;
    }

    /**
     * Duration of the whole packet in 48 kHz samples, or -1 if the packet is malformed (RFC 6716 §3.4): empty,
     * a frame count code 3 without its count byte or with a count of 0, more than 120 ms, frame lengths that do
     * not fit the packet or pass 1275 bytes.
     */
    public static int samples(byte[] p) {
        return samples(p, 0, p.length);
    }

    /** {@link #samples(byte[])} of {@code p[offset .. offset+length)}. */
    public static int samples(byte[] p, int offset, int length) {
        if (length < 1) {
            return -1; // R1
        }
        int toc = p[offset] & 0xFF;
        int frame = frameSamples(toc);
        int rest = length - 1; // bytes after the TOC
        int at = offset + 1;
        switch (toc & 3) {
            case 0 -> {
                return rest <= MAX_FRAME_BYTES ? frame : -1; // R2
            }
            case 1 -> {
                return rest % 2 == 0 && rest / 2 <= MAX_FRAME_BYTES ? 2 * frame : -1; // R3
            }
            case 2 -> {
                int[] len = frameLength(p, at, rest);
                if (len == null) {
                    return -1;
                }
                int second = rest - len[1] - len[0];
                return second >= 0 && second <= MAX_FRAME_BYTES ? 2 * frame : -1; // R4
            }
            default -> {
                if (rest < 1) {
                    return -1; // R6: no frame count byte
                }
                int countByte = p[at] & 0xFF;
                int count = countByte & 0x3F;
                if (count == 0 || count * frame > MAX_SAMPLES) {
                    return -1; // R5
                }
                at++;
                rest--;
                if ((countByte & 0x40) != 0) { // padding: lengths 255 mean 254 more and another length byte
                    int padding = 0;
                    int b;
                    do {
                        if (rest < 1) {
                            return -1;
                        }
                        b = p[at++] & 0xFF;
                        rest--;
                        padding += b == 255 ? 254 : b;
                    } while (b == 255);
                    rest -= padding;
                    if (rest < 0) {
                        return -1; // R6/R7: the padding is longer than the packet
                    }
                }
                if ((countByte & 0x80) == 0) { // CBR: the rest split evenly
                    return rest % count == 0 && rest / count <= MAX_FRAME_BYTES ? count * frame : -1; // R6
                }
                for (int i = 0; i < count - 1; i++) { // VBR: the lengths of all frames but the last, then the frames
                    int[] len = frameLength(p, at, rest);
                    if (len == null) {
                        return -1;
                    }
                    at += len[1];
                    rest -= len[1] + len[0];
                    if (rest < 0) {
                        return -1; // R7
                    }
                }
                return rest <= MAX_FRAME_BYTES ? count * frame : -1; // R7: the last frame
            }
        }
    }

    /**
     * A frame length coded in one byte (0..251) or two (252..1275): {length, bytes used}, or null if the bytes
     * are missing or the length passes what is left after them.
     */
    private static int[] frameLength(byte[] p, int at, int available) {
        if (available < 1) {
            return null;
        }
        int b0 = p[at] & 0xFF;
        if (b0 < 252) {
            return b0 <= available - 1 ? new int[] {b0, 1} : null;
        }
        if (available < 2) {
            return null;
        }
        int length = (p[at + 1] & 0xFF) * 4 + b0;
        return length <= available - 2 ? new int[] {length, 2} : null;
    }

    /**
     * A packet that makes the decoder conceal {@code frames} lost frames like the one whose TOC is {@code toc}
     * (same mode, bandwidth and frame duration): code 3, CBR, every frame 0 bytes long (RFC 6716 §3.2.1: a
     * zero-length frame is one the decoder fills by packet loss concealment). RFC 7845 §4.1 recommends this to
     * fill a gap rather than let the granule position jump.
     *
     * @param frames 1 .. as many as fit 120 ms
     */
    public static byte[] lossPacket(int toc, int frames) {
        if (frames < 1 || frames * frameSamples(toc) > MAX_SAMPLES) {
            throw new IllegalArgumentException(frames + " frames of " + frameSamples(toc) + " samples");
        }
        return new byte[] {(byte) (toc | 3), (byte) frames};
    }
}
