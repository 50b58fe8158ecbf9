package io.kfrelay.perf.media;

import io.kfrelay.client.StreamPacketizer;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stamp must come first in every packet the client's own packetizer makes of a frame. */
class SendStampTest {

    @Test
    void everyPacketOfAKeyframeStartsWithTheStamp() {
        int maxPacket = 1200;
        int maxPayload = maxPacket - MediaHeader.LENGTH;
        FrameSizes sizes = FrameSizes.of(MediaProfile.LARGE_ROOM, maxPayload);
        int length = sizes.keyframeBytes();
        ByteBuf frame = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            frame.setByte(i, i * 31);
        }
        long stamp = 0x0123_4567_89AB_CDEFL;
        SendStamp.stampChunks(frame, length, maxPayload, stamp);
        frame.setIndex(0, length);

        List<ByteBuf> packets = new ArrayList<>();
        new StreamPacketizer(1, Protocol.KIND_VIDEO, maxPacket, 0, UnpooledByteBufAllocator.DEFAULT)
                .packetize(true, frame, 0, 7, packets::add);

        assertEquals(sizes.packets(length), packets.size());
        MediaHeader h = new MediaHeader();
        for (ByteBuf p : packets) {
            h.wrap(p);
            assertEquals(stamp, SendStamp.read(p, h.payloadOffset()), "packet " + h.sequence());
            p.release();
        }
    }
}
