package io.kfrelay.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fuzz: {@link ControlCodec#decode} on any bytes never throws, and is exact: whatever it accepts encodes back
 * to the very same bytes (one encoding per message, nothing ignored), and whatever it refuses has a reason.
 */
class ControlCodecFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void decodeIsTotalAndExact(byte @NotNull [] frame) {
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        ControlCodec.Decoded decoded = ControlCodec.decode(in);
        switch (decoded) {
            case ControlCodec.Decoded.Ok(ControlMessage m) -> {
                assertEquals(frame.length, ControlCodec.encodedLength(m), () -> m + " from " + Arrays.toString(frame));
                ByteBuf out = ControlCodec.encode(m, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
                try {
                    assertArrayEquals(frame, ByteBufUtil.getBytes(out), () -> "re-encoding " + m);
                } finally {
                    out.release();
                }
                assertEquals(m.type(), ControlCodec.peekType(Unpooled.wrappedBuffer(frame)));
            }
            case ControlCodec.Decoded.Rejected(DecodeStatus reason, String detail) -> {
                assertNotEquals(DecodeStatus.OK, reason);
                assertNotEquals(null, detail);
            }
        }
    }
}
