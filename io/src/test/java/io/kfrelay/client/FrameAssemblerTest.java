package io.kfrelay.client;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameAssemblerTest {
    private final List<byte[]> frames = new ArrayList<>();
    private final List<FrameAssembler.Frame> meta = new ArrayList<>();
    private final FrameAssembler assembler = new FrameAssembler(UnpooledByteBufAllocator.DEFAULT, f -> {
        frames.add(ByteBufUtil.getBytes(f.data()));
        meta.add(f);
    });
    private final List<ByteBuf> packets = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        assembler.close();
        packets.forEach(ByteBuf::release);
    }

    /** Packetizes like a publisher, returns the packets as the client would hand them to the listener. */
    private List<MediaPacket> publish(long sender, int stream, long firstSeq, byte[] frame, boolean key, long ts) {
        StreamPacketizer p = new StreamPacketizer(stream, Protocol.KIND_VIDEO, 120, firstSeq, UnpooledByteBufAllocator.DEFAULT);
        List<ByteBuf> out = new ArrayList<>();
        p.packetize(key, Unpooled.wrappedBuffer(frame), ts, (int) sender, out::add);
        packets.addAll(out);
        MediaHeader h = new MediaHeader();
        return out.stream().map(b -> {
            h.wrap(b);
            return new MediaPacket(h.senderId(), h.streamId(), h.kind(), h.flags(), h.sequence(), h.timestamp(),
                    h.frameLength(), b.slice(h.payloadOffset(), h.payloadLength()));
        }).toList();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void packetsFromStartToEndWithConsecutiveSequencesMakeOneFrame() {
        byte[] frame = bytes(1000, 1);
        publish(3, 1, 40, frame, true, 9000).forEach(assembler::accept);
        assertEquals(1, frames.size());
        assertArrayEquals(frame, frames.getFirst());
        FrameAssembler.Frame f = meta.getFirst();
        assertEquals(3, f.senderId());
        assertEquals(1, f.streamId());
        assertTrue(f.keyframe());
        assertEquals(40, f.firstSequence());
        assertEquals(10, f.packets());
        assertEquals(9000, f.timestamp());
    }

    @Test
    void aFrameWithAMissingPacketIsDroppedAndTheNextOneStillComesOut() {
        List<MediaPacket> first = new ArrayList<>(publish(3, 1, 0, bytes(500, 1), false, 0));
        first.remove(2);
        first.forEach(assembler::accept);
        byte[] second = bytes(300, 2);
        publish(3, 1, first.size() + 1, second, false, 3000).forEach(assembler::accept);
        assertEquals(1, frames.size());
        assertArrayEquals(second, frames.getFirst());
        assertEquals(1, assembler.framesDropped());
    }

    @Test
    void packetsWhoseFrameStartWasMissedAreDiscarded() {
        List<MediaPacket> p = publish(3, 1, 0, bytes(500, 1), false, 0);
        p.subList(1, p.size()).forEach(assembler::accept);
        assertEquals(0, frames.size());
        assertEquals(p.size() - 1, assembler.packetsDiscarded());
    }

    @Test
    void interleavedStreamsAndSendersAreAssembledSeparately() {
        byte[] a = bytes(400, 1);
        byte[] b = bytes(400, 2);
        byte[] c = bytes(400, 3);
        List<MediaPacket> pa = publish(3, 1, 0, a, false, 0);
        List<MediaPacket> pb = publish(3, 2, 0, b, false, 0);
        List<MediaPacket> pc = publish(4, 1, 0, c, false, 0);
        for (int i = 0; i < pa.size(); i++) {
            assembler.accept(pa.get(i));
            assembler.accept(pb.get(i));
            assembler.accept(pc.get(i));
        }
        assertEquals(3, frames.size());
        assertArrayEquals(a, frames.get(0));
        assertArrayEquals(b, frames.get(1));
        assertArrayEquals(c, frames.get(2));
    }

    @Test
    void theAssemblerKeepsNoReferenceToAFinishedFrame() {
        publish(3, 1, 0, bytes(1000, 1), true, 0).forEach(assembler::accept);
        for (ByteBuf p : packets) {
            assertEquals(1, p.refCnt(), "the assembler released its retained slices");
        }
    }

    @Test
    void aFrameLargerThanTheLimitIsDroppedAndItsPacketsReleasedAtOnce() {
        FrameAssembler limited = new FrameAssembler(UnpooledByteBufAllocator.DEFAULT, 1000, f -> frames.add(ByteBufUtil.getBytes(f.data())));
        List<MediaPacket> big = publish(3, 1, 0, bytes(1500, 1), true, 0); // 15 packets of 100 bytes
        for (int i = 0; i < 11; i++) {
            limited.accept(big.get(i)); // the 11th would make 1100 bytes: over the limit
        }
        assertEquals(0, limited.framesInProgress(), "nothing kept of a frame past the limit");
        for (ByteBuf p : packets) {
            assertEquals(1, p.refCnt(), "its packets were released");
        }
        big.subList(11, big.size()).forEach(limited::accept); // the rest of it, up to its FRAME_END
        byte[] small = bytes(1000, 2); // exactly at the limit: fine
        publish(3, 1, big.size(), small, false, 3000).forEach(limited::accept);
        assertEquals(1, frames.size());
        assertArrayEquals(small, frames.getFirst());
        assertEquals(1, limited.framesDropped());
        assertEquals(big.size(), limited.packetsDiscarded());
        limited.close();
    }

    @Test
    void aFrameThatNeverEndsHoldsNoMoreThanTheLimit() {
        FrameAssembler limited = new FrameAssembler(UnpooledByteBufAllocator.DEFAULT, 4096, f -> frames.add(new byte[0]));
        List<MediaPacket> endless = publish(3, 1, 0, bytes(100_000, 1), true, 0);
        endless.subList(0, endless.size() - 1).forEach(limited::accept); // FRAME_START, never FRAME_END
        assertTrue(limited.bytesInProgress() <= 4096, "held " + limited.bytesInProgress() + " bytes");
        assertEquals(0, frames.size());
        limited.close();
    }

    @Test
    void discardReleasesTheUnfinishedFrameOfAnEndedStream() {
        List<MediaPacket> p = publish(3, 1, 0, bytes(500, 1), true, 0);
        p.subList(0, 3).forEach(assembler::accept);
        List<MediaPacket> other = publish(3, 2, 0, bytes(500, 2), true, 0);
        other.subList(0, 3).forEach(assembler::accept);
        assertEquals(2, assembler.framesInProgress());

        assembler.discard(3, 1); // STREAM_ENDED for stream 1

        assertEquals(1, assembler.framesInProgress(), "stream 2 goes on");
        assertEquals(1, assembler.framesDropped());
        packets.subList(0, p.size()).forEach(b -> assertEquals(1, b.refCnt(), "stream 1's packets were released"));
        other.subList(3, other.size()).forEach(assembler::accept);
        assertEquals(1, frames.size(), "stream 2's frame still comes out");
    }

    @Test
    void discardSenderReleasesEveryUnfinishedFrameOfADepartedParticipant() {
        publish(3, 1, 0, bytes(500, 1), true, 0).subList(0, 2).forEach(assembler::accept);
        publish(3, 2, 0, bytes(500, 2), true, 0).subList(0, 2).forEach(assembler::accept);
        publish(4, 1, 0, bytes(500, 3), true, 0).subList(0, 2).forEach(assembler::accept);

        assembler.discardSender(3); // PARTICIPANT_LEFT

        assertEquals(1, assembler.framesInProgress(), "only participant 4's frame is left");
        assertEquals(2, assembler.framesDropped());
        packets.subList(0, 10).forEach(b -> assertEquals(1, b.refCnt(), "participant 3's packets were released"));
    }

    @Test
    void aDuplicatePacketIsIgnoredAndTheFrameStillCompletes() {
        byte[] frame = bytes(500, 1);
        List<MediaPacket> p = publish(3, 1, 0, frame, true, 0);
        assembler.accept(p.get(0));
        assembler.accept(p.get(1));
        assembler.accept(p.get(0)); // a QUIC datagram can arrive twice, or late
        assembler.accept(p.get(1));
        p.subList(2, p.size()).forEach(assembler::accept);
        assertEquals(1, frames.size());
        assertArrayEquals(frame, frames.getFirst());
        assertEquals(0, assembler.framesDropped());
        assertEquals(2, assembler.packetsDiscarded());
    }
}
