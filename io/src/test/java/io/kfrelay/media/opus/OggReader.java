package io.kfrelay.media.opus;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-side reader of an Ogg file of one logical stream: its pages, each checked (capture pattern, version,
 * checksum), and its packets joined across pages. Throws {@link IllegalArgumentException} on anything malformed.
 */
public final class OggReader {

    /** One page: header fields and the packets that end on it (a continued packet is listed where it ends). */
    public record Page(int flags, long granule, int serial, int sequence, int segments, int crc,
                       List<byte[]> packetsEnded, int offset, int length) {
    }

    /** @param packets every packet of the stream, in order (the two header packets first) */
    public record Stream(List<Page> pages, List<byte[]> packets) {
        /** The audio packets: all but OpusHead and OpusTags. */
        public List<byte[]> audioPackets() {
            return packets.subList(2, packets.size());
        }
    }

    private OggReader() {
    }

    public static Stream read(byte[] file) {
        List<Page> pages = new ArrayList<>();
        List<byte[]> packets = new ArrayList<>();
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int at = 0;
        while (at < file.length) {
            if (file.length - at < 27 || file[at] != 'O' || file[at + 1] != 'g' || file[at + 2] != 'g'
                    || file[at + 3] != 'S' || file[at + 4] != 0) {
                throw new IllegalArgumentException("no Ogg page at " + at);
            }
            int flags = file[at + 5] & 0xFF;
            long granule = le(file, at + 6, 8);
            int serial = (int) le(file, at + 14, 4);
            int sequence = (int) le(file, at + 18, 4);
            int crc = (int) le(file, at + 22, 4);
            int segments = file[at + 26] & 0xFF;
            int bodyLength = 0;
            for (int i = 0; i < segments; i++) {
                bodyLength += file[at + 27 + i] & 0xFF;
            }
            int length = 27 + segments + bodyLength;
            if (at + length > file.length) {
                throw new IllegalArgumentException("page " + sequence + " runs past the end of the file");
            }
            byte[] page = java.util.Arrays.copyOfRange(file, at, at + length);
            page[22] = page[23] = page[24] = page[25] = 0;
            if (OggCrc.of(page) != crc) {
                throw new IllegalArgumentException("page " + sequence + ": checksum " + Integer.toHexString(crc)
                        + ", computed " + Integer.toHexString(OggCrc.of(page)));
            }
            if (((flags & OggPageWriter.CONTINUED) != 0) != (packet.size() > 0)) {
                throw new IllegalArgumentException("page " + sequence + ": continued flag disagrees with the lacing");
            }
            List<byte[]> ended = new ArrayList<>();
            int body = at + 27 + segments;
            for (int i = 0; i < segments; i++) {
                int lace = file[at + 27 + i] & 0xFF;
                packet.write(file, body, lace);
                body += lace;
                if (lace < 255) {
                    ended.add(packet.toByteArray());
                    packets.add(packet.toByteArray());
                    packet.reset();
                }
            }
            pages.add(new Page(flags, granule, serial, sequence, segments, crc, ended, at, length));
            at += length;
        }
        if (packet.size() > 0) {
            throw new IllegalArgumentException("the last packet never ends");
        }
        return new Stream(pages, packets);
    }

    static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }
}
