package io.kfrelay.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzz: {@link MediaHeader#wrap} on any bytes never throws and agrees with PROTOCOL.md §2 read independently
 * (the first problem, front to back); a packet it accepts reads back its fields, and the ingress stamp changes
 * exactly the sender id and the REPLAY bit.
 */
class MediaHeaderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void wrapAgreesWithTheSpecOnAnyBytes(byte @NotNull [] frame) {
        // The frame sits inside a bigger buffer: wrap must read only its own bytes.
        ByteBuf buf = Unpooled.buffer(frame.length + 7);
        buf.writeBytes(new byte[] {9, 9, 9});
        buf.writeBytes(frame);
        buf.writeBytes(new byte[] {9, 9, 9, 9});
        buf.readerIndex(3).writerIndex(3 + frame.length);

        MediaHeader h = new MediaHeader();
        DecodeStatus status = h.wrap(buf);
        assertEquals(expected(frame), status, () -> "frame " + Arrays.toString(frame));
        assertEquals(3, buf.readerIndex(), "wrap does not consume");
        if (status != DecodeStatus.OK) {
            return;
        }
        assertEquals(frame.length, h.frameLength());
        assertEquals(frame.length - MediaHeader.LENGTH, h.payloadLength());
        assertEquals(frame[2] & 0xFF, h.flags());
        assertEquals(frame[3] & 0xFF, h.kind());
        assertEquals(u32(frame, 4), h.senderId());
        assertEquals(u16(frame, 8), h.streamId());
        assertEquals(u32(frame, 12), h.sequence());
        assertEquals(u32(frame, 16), h.timestamp());

        h.stampIngress(0x7EADBEEF);
        byte[] after = new byte[frame.length];
        buf.getBytes(3, after);
        byte[] want = frame.clone();
        want[2] = (byte) (frame[2] & ~Protocol.FLAG_REPLAY);
        want[4] = 0x7E;
        want[5] = (byte) 0xAD;
        want[6] = (byte) 0xBE;
        want[7] = (byte) 0xEF;
        assertArrayEquals(want, after, "only the sender id and the REPLAY bit change");
        assertEquals(DecodeStatus.OK, h.wrap(buf), "a stamped packet is still valid");
    }

    /** PROTOCOL.md §2 and §5, written out on their own: the first problem a reader meets, front to back. */
    private static DecodeStatus expected(byte[] f) {
        if (f.length < 2) {
            return DecodeStatus.TOO_SHORT;
        }
        if ((f[0] & 0xFF) != 0x01) {
            return DecodeStatus.BAD_VERSION;
        }
        if ((f[1] & 0xFF) != 0x01) {
            return DecodeStatus.UNKNOWN_TYPE;
        }
        if (f.length < 20) {
            return DecodeStatus.TOO_SHORT;
        }
        if ((f[2] & 0xF0) != 0) {
            return DecodeStatus.BAD_FLAGS;
        }
        if (f[3] != 1 && f[3] != 2) {
            return DecodeStatus.BAD_KIND;
        }
        if (f[10] != 0 || f[11] != 0) {
            return DecodeStatus.BAD_RESERVED;
        }
        return DecodeStatus.OK;
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
