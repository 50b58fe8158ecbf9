package io.kfrelay.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("MediaHeader: the 20-byte media header flyweight")
class MediaHeaderTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] PAYLOAD = {(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF};

    private final List<ByteBuf> buffers = new ArrayList<>();
    private final MediaHeader header = new MediaHeader();

    @AfterEach
    void releaseBuffers() {
        buffers.forEach(ByteBuf::release);
    }

    private ByteBuf buffer() {
        ByteBuf buf = Unpooled.buffer();
        buffers.add(buf);
        return buf;
    }

    private ByteBuf hex(String hex) {
        ByteBuf buf = Unpooled.wrappedBuffer(HEX.parseHex(hex.replace(" ", "")));
        buffers.add(buf);
        return buf;
    }

    /** A valid video keyframe packet with the given payload. */
    private ByteBuf packet(int flags, int kind, byte[] payload) {
        ByteBuf buf = buffer();
        MediaHeader.write(buf, flags, kind, 7, 1, 1234, 1_440_000);
        buf.writeBytes(payload);
        return buf;
    }

    @Test
    @DisplayName("write then wrap reads back every field, at full u32/u16 range")
    void roundTrip() {
        int flags = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
        ByteBuf buf = buffer();
        MediaHeader.write(buf, flags, Protocol.KIND_VIDEO, (int) 0xFFFF_FFFEL, 0xFFFF, 0xFFFF_FFFFL, 0x8000_0001L);
        buf.writeBytes(PAYLOAD);

        assertEquals(DecodeStatus.OK, header.wrap(buf));
        assertEquals(flags, header.flags());
        assertTrue(header.isKeyframe());
        assertTrue(header.isFrameStart());
        assertFalse(header.isFrameEnd());
        assertFalse(header.isReplay());
        assertEquals(Protocol.KIND_VIDEO, header.kind());
        assertTrue(header.isVideo());
        assertEquals(0xFFFF_FFFEL, header.senderId());
        assertEquals(0xFFFF, header.streamId());
        assertEquals(0xFFFF_FFFFL, header.sequence());
        assertEquals(0x8000_0001L, header.timestamp());
        assertEquals(24, header.frameLength());
        assertEquals(4, header.payloadLength());
        assertEquals(MediaHeader.LENGTH, header.payloadOffset());
        assertEquals(0, buf.readerIndex(), "wrap does not consume");
    }

    @Test
    @DisplayName("an audio packet with no payload is valid")
    void audioHeaderOnly() {
        ByteBuf buf = packet(Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, Protocol.KIND_AUDIO, new byte[0]);
        assertEquals(DecodeStatus.OK, header.wrap(buf));
        assertFalse(header.isVideo());
        assertEquals(0, header.payloadLength());
    }

    @Test
    @DisplayName("the worked example in docs/PROTOCOL.md is what write() produces")
    void documentedExample() {
        int flags = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END | Protocol.FLAG_FRAME_START;
        ByteBuf buf = packet(flags, Protocol.KIND_VIDEO, PAYLOAD);
        String documented = "01 01 0B 02 00 00 00 07 00 01 00 00 00 00 04 D2 00 15 F9 00 DE AD BE EF";
        assertEquals(documented.replace(" ", "").toLowerCase(), ByteBufUtil.hexDump(buf));
        assertEquals(DecodeStatus.OK, header.wrap(hex("01 01 0b 02 00000007 0001 0000 000004d2 0015f900 deadbeef")));
        assertEquals(1234, header.sequence());
        assertEquals(1_440_000, header.timestamp());
    }

    @Nested
    @DisplayName("wrap locates the frame by index, not by buffer start")
    class Position {
        @Test
        @DisplayName("at a non-zero reader index")
        void nonZeroReaderIndex() {
            ByteBuf buf = buffer();
            buf.writeBytes(new byte[] {9, 9, 9, 9, 9});
            MediaHeader.write(buf, Protocol.FLAG_KEYFRAME, Protocol.KIND_VIDEO, 11, 2, 3, 4);
            buf.writeBytes(PAYLOAD);
            buf.readerIndex(5);

            assertEquals(DecodeStatus.OK, header.wrap(buf));
            assertEquals(5, header.offset());
            assertEquals(11, header.senderId());
            assertEquals(2, header.streamId());
            assertEquals(3, header.sequence());
            assertEquals(4, header.timestamp());
            assertEquals(4, header.payloadLength());
            assertEquals(25, header.payloadOffset());
            assertEquals(0xDEADBEEF, buf.getInt(header.payloadOffset()));
        }

        @Test
        @DisplayName("two packets back to back inside one larger buffer")
        void insideLargerBuffer() {
            ByteBuf buf = buffer();
            buf.writeBytes(new byte[] {9, 9, 9});
            MediaHeader.write(buf, Protocol.FLAG_FRAME_START, Protocol.KIND_AUDIO, 1, 10, 100, 1000);
            buf.writeBytes(PAYLOAD);
            int second = buf.writerIndex();
            MediaHeader.write(buf, Protocol.FLAG_FRAME_END, Protocol.KIND_VIDEO, 2, 20, 200, 2000);
            buf.writeByte(0x55);

            assertEquals(DecodeStatus.OK, header.wrap(buf, 3, 24));
            assertEquals(10, header.streamId());
            assertEquals(1000, header.timestamp());
            assertEquals(4, header.payloadLength());

            assertEquals(DecodeStatus.OK, header.wrap(buf, second, 21));
            assertEquals(20, header.streamId());
            assertEquals(200, header.sequence());
            assertEquals(1, header.payloadLength());
            assertEquals(0x55, buf.getUnsignedByte(header.payloadOffset()));
        }

        @Test
        @DisplayName("stamping at an offset only touches that packet's header")
        void stampAtOffset() {
            ByteBuf buf = buffer();
            buf.writeBytes(new byte[] {9, 9, 9});
            MediaHeader.write(buf, Protocol.FLAG_REPLAY, Protocol.KIND_AUDIO, 1, 10, 100, 1000);
            buf.writeBytes(PAYLOAD);
            assertEquals(DecodeStatus.OK, header.wrap(buf, 3, 24));
            header.stampIngress(77);
            assertEquals("090909", ByteBufUtil.hexDump(buf, 0, 3));
            assertEquals("deadbeef", ByteBufUtil.hexDump(buf, 23, 4));
            assertEquals(77, header.senderId());
            assertFalse(header.isReplay());
        }
    }

    @Nested
    @DisplayName("relay stamps")
    class Stamps {
        @Test
        @DisplayName("stampIngress overwrites the sender id and clears REPLAY, leaving everything else")
        void stampIngress() {
            int flags = Protocol.FLAG_KEYFRAME | Protocol.FLAG_REPLAY | Protocol.FLAG_FRAME_END;
            ByteBuf buf = packet(flags, Protocol.KIND_VIDEO, PAYLOAD);
            assertEquals(DecodeStatus.OK, header.wrap(buf));
            header.stampIngress((int) 0xCAFE_BABEL);

            assertEquals(0xCAFE_BABEL, header.senderId());
            assertFalse(header.isReplay());
            assertEquals(Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END, header.flags());
            assertEquals(Protocol.KIND_VIDEO, header.kind());
            assertEquals(1, header.streamId());
            assertEquals(1234, header.sequence());
            assertEquals(1_440_000, header.timestamp());
            assertEquals("deadbeef", ByteBufUtil.hexDump(buf, MediaHeader.LENGTH, 4));
            assertEquals(DecodeStatus.OK, header.wrap(buf), "still valid after stamping");
        }

        @Test
        @DisplayName("stampIngress on a packet without REPLAY keeps its flags")
        void stampIngressWithoutReplay() {
            ByteBuf buf = packet(Protocol.FLAG_FRAME_START, Protocol.KIND_AUDIO, PAYLOAD);
            header.wrap(buf);
            header.stampIngress(3);
            assertEquals(Protocol.FLAG_FRAME_START, header.flags());
            assertEquals(3, header.senderId());
        }

        @Test
        @DisplayName("stampReplay sets REPLAY and keeps the other flags")
        void stampReplay() {
            ByteBuf buf = packet(Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START, Protocol.KIND_VIDEO, PAYLOAD);
            header.wrap(buf);
            header.stampReplay();
            assertTrue(header.isReplay());
            assertEquals(Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_REPLAY, header.flags());
            assertEquals(7, header.senderId());
            header.stampReplay();
            assertEquals(Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START | Protocol.FLAG_REPLAY, header.flags(),
                    "stamping twice is harmless");
        }
    }

    @Nested
    @DisplayName("wrap rejects malformed headers")
    class Rejects {
        private static final String VALID = "01 01 00 01 00000007 0001 0000 00000001 00000002";

        @Test
        @DisplayName("TOO_SHORT: fewer than 20 bytes")
        void tooShort() {
            assertEquals(DecodeStatus.TOO_SHORT, header.wrap(hex("")));
            assertEquals(DecodeStatus.TOO_SHORT, header.wrap(hex("01")));
            assertEquals(DecodeStatus.TOO_SHORT, header.wrap(hex("01 01")));
            assertEquals(DecodeStatus.TOO_SHORT, header.wrap(hex(VALID.replace(" ", "").substring(0, 38))));
            assertEquals(DecodeStatus.OK, header.wrap(hex(VALID)));
        }

        @Test
        @DisplayName("BAD_VERSION: byte 0 other than 1, even on a short frame")
        void badVersion() {
            assertEquals(DecodeStatus.BAD_VERSION, header.wrap(hex("02" + VALID.substring(2))));
            assertEquals(DecodeStatus.BAD_VERSION, header.wrap(hex("00" + VALID.substring(2))));
            assertEquals(DecodeStatus.BAD_VERSION, header.wrap(hex("02 01 00")));
        }

        @Test
        @DisplayName("UNKNOWN_TYPE: a control message type is not media, even on a short frame")
        void unknownType() {
            assertEquals(DecodeStatus.UNKNOWN_TYPE, header.wrap(hex("01 10" + VALID.substring(5))));
            assertEquals(DecodeStatus.UNKNOWN_TYPE, header.wrap(hex("01 ff" + VALID.substring(5))));
            assertEquals(DecodeStatus.UNKNOWN_TYPE, header.wrap(hex("01 16")));
        }

        @ParameterizedTest(name = "flags 0x{0}")
        @ValueSource(strings = {"10", "20", "40", "80", "ff"})
        @DisplayName("BAD_FLAGS: a flag bit this version does not define")
        void badFlags(String flags) {
            assertEquals(DecodeStatus.BAD_FLAGS, header.wrap(hex("01 01 " + flags + VALID.substring(8))));
        }

        @Test
        @DisplayName("every defined flag combination is accepted")
        void knownFlags() {
            for (int flags = 0; flags <= Protocol.KNOWN_FLAGS; flags++) {
                assertEquals(DecodeStatus.OK, header.wrap(hex("01 01 %02x".formatted(flags) + VALID.substring(8))));
            }
        }

        @ParameterizedTest(name = "kind {0}")
        @ValueSource(strings = {"00", "03", "ff"})
        @DisplayName("BAD_KIND: neither audio (1) nor video (2)")
        void badKind(String kind) {
            assertEquals(DecodeStatus.BAD_KIND, header.wrap(hex("01 01 00 " + kind + VALID.substring(11))));
        }

        @ParameterizedTest(name = "reserved 0x{0}")
        @ValueSource(strings = {"0001", "8000", "ffff"})
        @DisplayName("BAD_RESERVED: bytes 10-11 must be zero")
        void badReserved(String reserved) {
            String bad = "01 01 00 01 00000007 0001 " + reserved + " 00000001 00000002";
            assertEquals(DecodeStatus.BAD_RESERVED, header.wrap(hex(bad)));
        }
    }

    @Nested
    @DisplayName("static accessors read one field at an index, without a flyweight")
    class StaticAccessors {
        @Test
        @DisplayName("every field at full u32/u16 range, from a header that does not start the buffer")
        void everyField() {
            ByteBuf buf = buffer();
            buf.writeBytes(new byte[] {9, 9, 9});
            int flags = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_END | Protocol.FLAG_REPLAY;
            MediaHeader.write(buf, flags, Protocol.KIND_VIDEO, (int) 0xFFFF_FFFEL, 0xFFFF, 0xFFFF_FFFFL, 0x8000_0001L);
            buf.writeBytes(PAYLOAD);

            assertEquals(Protocol.VERSION, Protocol.version(buf, 3));
            assertEquals(MessageType.MEDIA.code(), Protocol.typeCode(buf, 3));
            assertEquals(flags, MediaHeader.flags(buf, 3));
            assertEquals(Protocol.KIND_VIDEO, MediaHeader.kind(buf, 3));
            assertEquals(0xFFFF_FFFEL, MediaHeader.senderId(buf, 3));
            assertEquals(0xFFFF, MediaHeader.streamId(buf, 3));
            assertEquals(0, MediaHeader.reserved(buf, 3));
            assertEquals(0xFFFF_FFFFL, MediaHeader.sequence(buf, 3));
            assertEquals(0x8000_0001L, MediaHeader.timestamp(buf, 3));
            assertEquals(0, buf.readerIndex(), "reading does not consume");
        }

        @Test
        @DisplayName("they agree with the wrapped flyweight's getters")
        void agreeWithGetters() {
            ByteBuf buf = buffer();
            MediaHeader.write(buf, Protocol.FLAG_FRAME_START, Protocol.KIND_AUDIO, 41, 3, 17, 960);
            buf.writeBytes(PAYLOAD);
            assertEquals(DecodeStatus.OK, header.wrap(buf));
            int at = header.offset();
            assertEquals(header.flags(), MediaHeader.flags(buf, at));
            assertEquals(header.kind(), MediaHeader.kind(buf, at));
            assertEquals(header.senderId(), MediaHeader.senderId(buf, at));
            assertEquals(header.streamId(), MediaHeader.streamId(buf, at));
            assertEquals(header.sequence(), MediaHeader.sequence(buf, at));
            assertEquals(header.timestamp(), MediaHeader.timestamp(buf, at));
        }

        @Test
        @DisplayName("they see stamps made through the flyweight, and check nothing themselves")
        void seeStampsAndCheckNothing() {
            ByteBuf buf = packet(Protocol.FLAG_KEYFRAME, Protocol.KIND_VIDEO, PAYLOAD);
            header.wrap(buf);
            header.stampIngress(99);
            header.stampReplay();
            assertEquals(99, MediaHeader.senderId(buf, 0));
            assertEquals(Protocol.FLAG_KEYFRAME | Protocol.FLAG_REPLAY, MediaHeader.flags(buf, 0));

            ByteBuf bad = hex("02 10 f0 07 00000001 0002 abcd 00000003 00000004");
            assertEquals(DecodeStatus.BAD_VERSION, header.wrap(bad));
            assertEquals(2, Protocol.version(bad, 0));
            assertEquals(0x10, Protocol.typeCode(bad, 0));
            assertEquals(0xF0, MediaHeader.flags(bad, 0));
            assertEquals(7, MediaHeader.kind(bad, 0));
            assertEquals(0xABCD, MediaHeader.reserved(bad, 0));
        }
    }

    @Nested
    @DisplayName("seqDelta measures distance on the u32 sequence circle")
    class SeqDelta {
        @Test
        @DisplayName("plain forward and backward distances")
        void plain() {
            assertEquals(1, MediaHeader.seqDelta(5, 6));
            assertEquals(-2, MediaHeader.seqDelta(5, 3));
            assertEquals(0, MediaHeader.seqDelta(77, 77));
        }

        @Test
        @DisplayName("across the wrap from 0xFFFFFFFF to 0")
        void wrapAround() {
            assertEquals(1, MediaHeader.seqDelta(0xFFFF_FFFFL, 0));
            assertEquals(-1, MediaHeader.seqDelta(0, 0xFFFF_FFFFL));
            assertEquals(16, MediaHeader.seqDelta(0xFFFF_FFF8L, 8));
            assertEquals(-16, MediaHeader.seqDelta(8, 0xFFFF_FFF8L));
        }

        @Test
        @DisplayName("a sequence read from a header continues across the wrap")
        void fromHeaders() {
            ByteBuf before = buffer();
            MediaHeader.write(before, 0, Protocol.KIND_AUDIO, 1, 1, 0xFFFF_FFFFL, 0);
            ByteBuf after = buffer();
            MediaHeader.write(after, 0, Protocol.KIND_AUDIO, 1, 1, 0xFFFF_FFFFL + 1, 0);
            header.wrap(before);
            long first = header.sequence();
            header.wrap(after);
            assertEquals(0, header.sequence(), "sequence is a u32: it wraps to 0");
            assertEquals(1, MediaHeader.seqDelta(first, header.sequence()));
        }
    }
}
