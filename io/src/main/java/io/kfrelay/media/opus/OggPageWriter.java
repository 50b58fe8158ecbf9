package io.kfrelay.media.opus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one logical Ogg bitstream (RFC 3533) as pages: packets go in as lacing values of up to 255 bytes, a page
 * holds at most 255 of them, and a packet that does not fit goes on over the next page (flagged continued).
 *
 * <p>A finished page is held back until the next one is finished or the stream closes, so {@link #close} can set
 * the end-of-stream flag on the real last page (never an empty one after it). The first page carries the
 * beginning-of-stream flag.
 *
 * <p>Not thread-safe.
 */
public final class OggPageWriter {
    public static final int CONTINUED = 0x01;
    public static final int BOS = 0x02;
    public static final int EOS = 0x04;
    private static final int HEADER = 27;

    private final OutputStream out;
    private final int serial;
    private final byte[] lacing = new byte[255];
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(8 * 1024);
    private int segments;
    /** Granule position of the last packet completed on the page being built; -1: none completes there. */
    private long granule = -1;
    /** The page being built begins with the rest of a packet from the page before. */
    private boolean continued;
    private int pageSequence;
    private byte[] held;
    private long bytesWritten;
    private boolean closed;

    /** @param serial the stream's serial number, written on each of its pages */
    public OggPageWriter(OutputStream out, int serial) {
        this.out = out;
        this.serial = serial;
    }

    /**
     * Adds a packet to the page being built (and to the next ones if it does not fit).
     *
     * @param granuleAfter the granule position once this packet is done: the page it ends on carries it
     */
    public void packet(byte[] p, int offset, int length, long granuleAfter) throws IOException {
        checkOpen();
        int at = 0;
        while (true) {
            if (segments == lacing.length) {
                endPage();
            }
            int segment = Math.min(255, length - at);
            lacing[segments++] = (byte) segment;
            body.write(p, offset + at, segment);
            at += segment;
            if (segment < 255) { // a lacing value under 255 (0 for a packet of a multiple of 255) ends the packet
                break;
            }
        }
        granule = granuleAfter;
    }

    /** {@link #packet(byte[], int, int, long)} of all of {@code p}. */
    public void packet(byte[] p, long granuleAfter) throws IOException {
        packet(p, 0, p.length, granuleAfter);
    }

    /** Ends the page being built, if it holds anything: the next packet starts a new page. */
    public void endPage() throws IOException {
        checkOpen();
        if (segments == 0) {
            return;
        }
        int flags = (continued ? CONTINUED : 0) | (pageSequence == 0 ? BOS : 0);
        byte[] page = new byte[HEADER + segments + body.size()];
        page[0] = 'O';
        page[1] = 'g';
        page[2] = 'g';
        page[3] = 'S';
        page[4] = 0; // stream structure version
        page[5] = (byte) flags;
        putLong(page, 6, granule);
        putInt(page, 14, serial);
        putInt(page, 18, pageSequence++);
        // 22..25: the checksum, computed with the field at zero
        page[26] = (byte) segments;
        System.arraycopy(lacing, 0, page, HEADER, segments);
        body.writeTo(new ArrayWriter(page, HEADER + segments));
        putInt(page, 22, OggCrc.of(page));

        continued = (lacing[segments - 1] & 0xFF) == 255; // the last packet goes on over the next page
        segments = 0;
        body.reset();
        granule = -1;
        writeHeld();
        held = page;
    }

    /** Ends the page being built and writes the last page with the end-of-stream flag. Does not close the stream. */
    public void close() throws IOException {
        if (closed) {
            return;
        }
        endPage();
        closed = true;
        if (held != null) {
            held[5] |= EOS;
            putInt(held, 22, 0);
            putInt(held, 22, OggCrc.of(held));
            writeHeld();
        }
        out.flush();
    }

    /** Bytes of finished pages written to the stream so far (a held page is not counted until written). */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Pages finished so far. */
    public int pages() {
        return pageSequence;
    }

    private void writeHeld() throws IOException {
        if (held != null) {
            out.write(held);
            bytesWritten += held.length;
            held = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the Ogg stream is closed");
        }
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Copies what ByteArrayOutputStream.writeTo hands it into a byte array. */
    private static final class ArrayWriter extends OutputStream {
        private final byte[] target;
        private int at;

        ArrayWriter(byte[] target, int at) {
            this.target = target;
            this.at = at;
        }

        @Override
        public void write(int b) {
            target[at++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, target, at, len);
            at += len;
        }
    }
}
