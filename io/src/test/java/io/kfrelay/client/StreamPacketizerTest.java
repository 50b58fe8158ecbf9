package io.kfrelay.client;

import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.kfrelay.protocol.Protocol.FLAG_FRAME_END;
import static io.kfrelay.protocol.Protocol.FLAG_FRAME_START;
import static io.kfrelay.protocol.Protocol.FLAG_KEYFRAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StreamPacketizerTest {
    private final List<ByteBuf> sent = new ArrayList<>();
    private final MediaHeader header = new MediaHeader();

    @AfterEach
    void releaseAll() {
        sent.forEach(ByteBuf::release);
    }

    private StreamPacketizer video(int maxPacketBytes, long firstSequence) {
        return new StreamPacketizer(7, Protocol.KIND_VIDEO, maxPacketBytes, firstSequence, UnpooledByteBufAllocator.DEFAULT);
    }

    private static ByteBuf frame(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) i;
        }
        return Unpooled.wrappedBuffer(b);
    }

    private MediaHeader packet(int i) {
        assertEquals(DecodeStatus.OK, header.wrap(sent.get(i)));
        return header;
    }

    @Test
    void aFrameSentInSlicesIsTheSamePacketsAsTheFrameSentWhole() {
        List<ByteBuf> whole = new ArrayList<>();
        video(1200, 5).packetize(true, frame(3000), 90_000, 3, whole::add);
        StreamPacketizer sliced = video(1200, 5);
        ByteBuf f = frame(3000);

        sliced.packetize(true, f.slice(0, 1180), 90_000, 3, true, false, sent::add);
        sliced.packetize(true, f.slice(1180, 1180), 90_000, 3, false, false, sent::add);
        sliced.packetize(true, f.slice(2360, 640), 90_000, 3, false, true, sent::add);

        assertEquals(whole, sent);
        assertEquals(FLAG_KEYFRAME | FLAG_FRAME_START, packet(0).flags());
        assertEquals(FLAG_KEYFRAME, packet(1).flags());
        assertEquals(FLAG_KEYFRAME | FLAG_FRAME_END, packet(2).flags());
        whole.forEach(ByteBuf::release);
    }

    @Test
    void aFrameIsSplitIntoPacketsOfAtMostTheMaximumHeaderIncluded() {
        int packets = video(1200, 0).packetize(false, frame(3000), 90_000, 0, sent::add);

        assertEquals(3, packets);
        assertEquals(List.of(1200, 1200, 20 + 3000 - 2 * 1180), sent.stream().map(ByteBuf::readableBytes).toList());
        assertEquals(FLAG_FRAME_START, packet(0).flags());
        assertEquals(0, packet(1).flags());
        assertEquals(FLAG_FRAME_END, packet(2).flags());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, packet(i).sequence());
            assertEquals(90_000, packet(i).timestamp());
            assertEquals(7, packet(i).streamId());
            assertEquals(Protocol.KIND_VIDEO, packet(i).kind());
        }
    }

    @Test
    void thePayloadsPutBackTogetherAreTheFrame() {
        ByteBuf original = frame(5000);
        video(1200, 0).packetize(true, original, 0, 0, sent::add);
        ByteBuf joined = Unpooled.buffer();
        for (int i = 0; i < sent.size(); i++) {
            MediaHeader h = packet(i);
            joined.writeBytes(h.buffer(), h.payloadOffset(), h.payloadLength());
        }
        assertEquals(original, joined);
        assertEquals(0, original.readerIndex(), "the caller's frame is only read, never consumed");
    }

    @Test
    void everyPacketOfAKeyframeCarriesKeyframe() {
        video(1200, 0).packetize(true, frame(2500), 0, 0, sent::add);
        assertEquals(FLAG_KEYFRAME | FLAG_FRAME_START, packet(0).flags());
        assertEquals(FLAG_KEYFRAME, packet(1).flags());
        assertEquals(FLAG_KEYFRAME | FLAG_FRAME_END, packet(2).flags());
    }

    @Test
    void aSmallFrameIsOnePacketWithStartAndEnd() {
        video(1200, 0).packetize(true, frame(4), 0, 0, sent::add);
        assertEquals(1, sent.size());
        assertEquals(0x0B, packet(0).flags());
        assertEquals(24, sent.getFirst().readableBytes());
    }

    @Test
    void anEmptyFrameIsOneHeaderOnlyPacket() {
        video(1200, 0).packetize(false, Unpooled.EMPTY_BUFFER, 0, 0, sent::add);
        assertEquals(1, sent.size());
        assertEquals(MediaHeader.LENGTH, sent.getFirst().readableBytes());
        assertEquals(0x0A, packet(0).flags());
    }

    @Test
    void aFrameThatFillsPacketsExactlyHasNoEmptyTail() {
        assertEquals(2, video(1200, 0).packetize(false, frame(2 * 1180), 0, 0, sent::add));
        assertEquals(1200, sent.getLast().readableBytes());
    }

    @Test
    void theSequenceContinuesAcrossFramesAndWrapsAtTwoToThe32() {
        StreamPacketizer p = video(100, 0xFFFF_FFFEL);
        p.packetize(false, frame(200), 0, 0, sent::add); // 3 packets of 80 payload bytes max
        p.packetize(false, frame(10), 3000, 0, sent::add);
        assertEquals(List.of(0xFFFF_FFFEL, 0xFFFF_FFFFL, 0L, 1L),
                sent.stream().map(b -> { header.wrap(b); return header.sequence(); }).toList());
        assertEquals(2, p.nextSequence());
    }

    @Test
    void aBadStreamIdOrKindIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new StreamPacketizer(70_000, Protocol.KIND_VIDEO, 1200, 0, UnpooledByteBufAllocator.DEFAULT));
        assertThrows(IllegalArgumentException.class,
                () -> new StreamPacketizer(1, 3, 1200, 0, UnpooledByteBufAllocator.DEFAULT));
    }
}
