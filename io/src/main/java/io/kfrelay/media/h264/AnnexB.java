package io.kfrelay.media.h264;

import java.util.ArrayList;
import java.util.List;

/** Splits an H.264 Annex-B byte stream (start-code delimited) into NAL units. */
public final class AnnexB {
    private AnnexB() {
    }

    /**
     * The NAL units of {@code stream}, in order, as views into it.
     *
     * @throws IllegalArgumentException if the stream does not start with a start code (after optional zero
     *                                  bytes): then it is not Annex-B (an MP4/AVCC file, say)
     */
    public static List<NalUnit> split(byte[] stream) {
        List<NalUnit> units = new ArrayList<>();
        int length = stream.length;
        int first = findStartCode(stream, 0);
        if (first < 0) {
            throw new IllegalArgumentException("not an H.264 Annex-B stream: no 00 00 01 start code in "
                    + length + " bytes");
        }
        for (int i = 0; i < first; i++) {
            if (stream[i] != 0) {
                throw new IllegalArgumentException("not an H.264 Annex-B stream: " + first
                        + " bytes of data before the first start code");
            }
        }
        int code = first;
        while (code >= 0) {
            int offset = code + 3;
            int next = findStartCode(stream, offset);
            int end = next < 0 ? length : next;
            // Zero bytes before the next 00 00 01 are its zero_byte or trailing_zero_8bits, not payload.
            while (end > offset && stream[end - 1] == 0) {
                end--;
            }
            // A zero byte just before 00 00 01 makes it a 4-byte start code (the previous unit's end excludes it).
            int startCode = code > 0 && stream[code - 1] == 0 ? code - 1 : code;
            if (end > offset) {
                units.add(new NalUnit(stream, startCode, offset, end));
            }
            code = next;
        }
        return units;
    }

    /** Index of the next 00 00 01 at or after {@code from}, or -1. */
    static int findStartCode(byte[] b, int from) {
        for (int i = from; i + 2 < b.length; i++) {
            if (b[i + 2] > 1) {
                i += 2; // no start code can end at or before i + 2
            } else if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                return i;
            }
        }
        return -1;
    }
}
