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
}
