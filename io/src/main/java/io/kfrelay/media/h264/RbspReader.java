package io.kfrelay.media.h264;

/**
 * Reads bits of a NAL unit's payload (after the header byte), skipping emulation prevention bytes
 * (the 03 in 00 00 03). Enough for the few header fields the validator needs.
 */
final class RbspReader {
    private final byte[] buf;
    private final int end;
    private int pos;
    private int bit = 8; // bits left in buf[pos-1]
    private int current;
    private int zeros;

    RbspReader(NalUnit nal) {
        this.buf = nal.buf();
        this.pos = nal.offset() + 1;
        this.end = nal.end();
    }

    /** Thrown when a field runs past the end of the unit. */
    static final class TruncatedException extends Exception {
        TruncatedException() {
            super("NAL unit ends in the middle of a header field", null, false, false);
        }
    }

    int bit() throws TruncatedException {
        if (bit == 8) {
            if (pos >= end) {
                throw new TruncatedException();
            }
            int b = buf[pos++] & 0xFF;
            if (zeros >= 2 && b == 3) {
                zeros = 0;
                if (pos >= end) {
                    throw new TruncatedException();
                }
                b = buf[pos++] & 0xFF;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            current = b;
            bit = 0;
        }
        return (current >> (7 - bit++)) & 1;
    }

    int bits(int n) throws TruncatedException {
        int v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 1) | bit();
        }
        return v;
    }

    /** Unsigned Exp-Golomb, ue(v). */
    int ue() throws TruncatedException {
        int leadingZeros = 0;
        while (bit() == 0) {
            if (++leadingZeros > 31) {
                throw new TruncatedException();
            }
        }
        return (int) ((1L << leadingZeros) - 1 + bits(leadingZeros));
    }

    /** Signed Exp-Golomb, se(v). */
    int se() throws TruncatedException {
        int k = ue();
        return (k & 1) != 0 ? (k + 1) / 2 : -(k / 2);
    }
}
