package io.kfrelay.media.opus;

/**
 * The Ogg page checksum (RFC 3533 §6): CRC-32 with generator polynomial 0x04C11DB7, initial value 0, no
 * reflection of input or output, no final XOR, over the whole page with its checksum field set to zero. Not
 * {@link java.util.zip.CRC32}, which is the reflected variant with init and final XOR 0xFFFFFFFF.
 */
public final class OggCrc {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int r = i << 24;
            for (int bit = 0; bit < 8; bit++) {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            }
            TABLE[i] = r;
        }
    }

    private OggCrc() {
    }

    /** The checksum of {@code b[offset .. offset+length)}, continuing from {@code crc} (0 to start). */
    public static int update(int crc, byte[] b, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ b[i]) & 0xFF];
        }
        return crc;
    }

    /** The checksum of all of {@code b}. */
    public static int of(byte[] b) {
        return update(0, b, 0, b.length);
    }
}
