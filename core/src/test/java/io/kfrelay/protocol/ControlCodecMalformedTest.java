package io.kfrelay.protocol;

import io.kfrelay.protocol.ControlCodec.Decoded;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@DisplayName("ControlCodec: malformed and hostile frames are rejected with the right reason, never thrown")
class ControlCodecMalformedTest {
    private static final HexFormat HEX = HexFormat.of();

    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void releaseBuffers() {
        buffers.forEach(ByteBuf::release);
    }

    /** A buffer holding exactly these bytes (capacity = length, so any read past the end would throw). */
    private ByteBuf frame(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        buffers.add(buf);
        return buf;
    }

    private ByteBuf hex(String hex) {
        return frame(HEX.parseHex(hex.replace(" ", "")));
    }

    private static byte[] encoded(ControlMessage m) {
        ByteBuf buf = ControlCodec.encode(m, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** Decodes, asserting it neither throws nor moves the reader index. */
    private static Decoded decode(ByteBuf buf) {
        int readerIndex = buf.readerIndex();
        Decoded decoded;
        try {
            decoded = ControlCodec.decode(buf);
        } catch (RuntimeException e) {
            throw new AssertionError("decode threw on " + ByteBufUtil.hexDump(buf), e);
        }
        assertEquals(readerIndex, buf.readerIndex(), "decode must not move the reader index");
        return decoded;
    }

    private void assertRejected(DecodeStatus expected, String hex) {
        Decoded decoded = decode(hex(hex));
        Decoded.Rejected rejected = assertInstanceOf(Decoded.Rejected.class, decoded,
                () -> "expected " + expected + " for " + hex + ", got " + decoded);
        assertEquals(expected, rejected.reason(), () -> hex + ": " + rejected.detail());
        assertFalse(rejected.detail().isBlank(), "a rejection explains itself");
    }

    @Nested
    @DisplayName("TOO_SHORT")
    class TooShort {
        @Test
        @DisplayName("fewer than two bytes")
        void noHeader() {
            assertRejected(DecodeStatus.TOO_SHORT, "");
            assertRejected(DecodeStatus.TOO_SHORT, "01");
        }

        @Test
        @DisplayName("a fixed-size field cut short")
        void truncatedField() {
            assertRejected(DecodeStatus.TOO_SHORT, "01 18");
            assertRejected(DecodeStatus.TOO_SHORT, "01 18 01020304050607");
            assertRejected(DecodeStatus.TOO_SHORT, "01 13 000000");
            assertRejected(DecodeStatus.TOO_SHORT, "01 14 00000001 0002");
            assertRejected(DecodeStatus.TOO_SHORT, "01 17 00000001 00");
        }

        @Test
        @DisplayName("a string length prefix cut short")
        void truncatedStringLength() {
            assertRejected(DecodeStatus.TOO_SHORT, "01 10 00");
            assertRejected(DecodeStatus.TOO_SHORT, "01 10 0001 61 0001 61");
        }
    }

    @Test
    @DisplayName("REDIRECT: cut in every field, a string past the end, a byte left over")
    void redirectMalformed() {
        assertRejected(DecodeStatus.TOO_SHORT, "01 20");
        assertRejected(DecodeStatus.TOO_SHORT, "01 20 01 00000000000000");
        assertRejected(DecodeStatus.TOO_SHORT, "01 20 01 0000000000000003");
        assertRejected(DecodeStatus.TOO_SHORT, "01 20 01 0000000000000003 0001 61 0000 0000");
        assertRejected(DecodeStatus.TOO_SHORT, "01 20 01 0000000000000003 0001 61 0000 0000 00");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 20 01 0000000000000003 0005 61");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 20 01 0000000000000003 0001 61 0000 0000 0000 00");
    }

    @Test
    @DisplayName("NODES: count cut, a count the bytes cannot hold (BAD_LENGTH), an entry cut, a string past the end, bytes left over")
    void nodesMalformed() {
        assertRejected(DecodeStatus.TOO_SHORT, "01 21");
        assertRejected(DecodeStatus.TOO_SHORT, "01 21 00");
        // A count larger than the bytes can hold (4 empty strings, 8 bytes, per node) is refused before any read.
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 0001");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 0002 0000 0000 0000 0000");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 ffff 0000 0000 0000 0000");
        // A count smaller than the entries present leaves bytes over.
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 0000 0000 0000 0000 0000");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 0001 0000 0000 0000 0000 00");
        // The count fits the bytes but the last entry's pin is cut.
        assertRejected(DecodeStatus.TOO_SHORT, "01 21 0001 0003 616263 0000 0000");
        assertRejected(DecodeStatus.TOO_SHORT, "01 21 0001 0003 616263 0000 0000 00");
        assertRejected(DecodeStatus.BAD_LENGTH, "01 21 0001 0001 61 0009 77733a2f 0000 0000");
    }

    @Test
    @DisplayName("BAD_VERSION: byte 0 other than 1, even with a valid body")
    void badVersion() {
        assertRejected(DecodeStatus.BAD_VERSION, "00 16");
        assertRejected(DecodeStatus.BAD_VERSION, "02 16");
        assertRejected(DecodeStatus.BAD_VERSION, "ff 18 0000000000000001");
    }

    @Test
    @DisplayName("UNKNOWN_TYPE: codes no message has, and MEDIA, which is not a control message")
    void unknownType() {
        assertRejected(DecodeStatus.UNKNOWN_TYPE, "01 00");
        assertRejected(DecodeStatus.UNKNOWN_TYPE, "01 02");
        assertRejected(DecodeStatus.UNKNOWN_TYPE, "01 09");
        assertRejected(DecodeStatus.UNKNOWN_TYPE, "01 22");
        assertRejected(DecodeStatus.UNKNOWN_TYPE, "01 ff");
        ByteBuf media = Unpooled.buffer();
        buffers.add(media);
        MediaHeader.write(media, Protocol.FLAG_KEYFRAME, Protocol.KIND_VIDEO, 1, 1, 1, 1);
        assertEquals(DecodeStatus.UNKNOWN_TYPE, assertInstanceOf(Decoded.Rejected.class, decode(media)).reason());
    }

    @Test
    @DisplayName("a JOIN option bit this version does not define is BAD_FLAGS")
    void unknownJoinOption() {
        assertRejected(DecodeStatus.BAD_FLAGS, "01 10 0001 61 0001 62 0000 04");
        assertRejected(DecodeStatus.BAD_FLAGS, "01 10 0001 61 0001 62 0000 81");
    }

    @Test
    @DisplayName("the new fixed-size messages cut short are TOO_SHORT")
    void subscriptionMessagesTruncated() {
        assertRejected(DecodeStatus.TOO_SHORT, "01 1a 00000001 0002");
        assertRejected(DecodeStatus.TOO_SHORT, "01 1b 00000001 00");
        assertRejected(DecodeStatus.TOO_SHORT, "01 1c 000000");
        assertRejected(DecodeStatus.TOO_SHORT, "01 1d 00000001 0002 0003 01");
        assertRejected(DecodeStatus.TOO_SHORT, "01 1e 00000001 0002 0082");
    }

    @Nested
    @DisplayName("BAD_LENGTH")
    class BadLength {
        @Test
        @DisplayName("a string runs past the end of the frame")
        void stringPastEnd() {
            assertRejected(DecodeStatus.BAD_LENGTH, "01 10 0006 6c6f626279");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1f 0001 ffff 61");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1f 0001 1001");
        }

        @Test
        @DisplayName("bytes left over after the body")
        void trailingBytes() {
            assertRejected(DecodeStatus.BAD_LENGTH, "01 16 00");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 18 0000000000000001 00");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 10 0001 61 0001 62 0000 01 ff"); // after a JOIN's options byte
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1a 00000001 0002 ff 00");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1c 00000001 01 0002 0003");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 0000 00");
        }

        @Test
        @DisplayName("a hostile participant count is refused before any list is sized by it")
        void hostileParticipantCount() {
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 ffff");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 ffff 00000002 0000 0000");
            // Two peers need at least 16 bytes; 15 are present.
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 0002 00000002 0000 0000 00000003 0000 00");
        }

        @Test
        @DisplayName("a SIMULCAST layer count the frame cannot hold is refused before any list is sized by it")
        void hostileLayerCount() {
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1c 00000001 ff 0001 0002");
            assertRejected(DecodeStatus.BAD_LENGTH, "01 1c 00000001 03 0001 0002");
        }

        @Test
        @DisplayName("a hostile stream count is refused before any list is sized by it")
        void hostileStreamCount() {
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 0001 00000002 0000 ffff 0001 01");
            // Two streams need 6 bytes; 5 are present.
            assertRejected(DecodeStatus.BAD_LENGTH, "01 11 00000001 0001 72 0001 00000002 0000 0002 0001 01 0002");
        }

        @Test
        @DisplayName("a count that fits is accepted up to the next real problem")
        void countThatFits() {
            assertRejected(DecodeStatus.BAD_KIND, "01 11 00000001 0001 72 0001 00000002 0000 0001 0001 07");
            Decoded ok = decode(hex("01 11 00000001 0001 72 0001 00000002 0000 0001 0001 02"));
            assertInstanceOf(Decoded.Ok.class, ok);
        }
    }

    @Nested
    @DisplayName("BAD_STRING")
    class BadString {
        @ParameterizedTest(name = "invalid UTF-8 {0}")
        @ValueSource(strings = {
                "c328",     // lead byte followed by a non-continuation
                "80",       // lone continuation byte
                "c080",     // overlong NUL (modified UTF-8)
                "e08080",   // overlong 3-byte form
                "eda080",   // UTF-16 surrogate encoded as UTF-8 (CESU-8)
                "f09f8e",   // 4-byte sequence cut by the string length
                "f4908080", // beyond U+10FFFF
                "ff",
                "fe"})
        @DisplayName("invalid UTF-8 is rejected, not replaced")
        void invalidUtf8(String bytes) {
            String len = "%04x".formatted(bytes.length() / 2);
            assertRejected(DecodeStatus.BAD_STRING, "01 1f 0001 " + len + bytes);
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0001 61 " + len + bytes + " 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0001 61 0001 61 " + len + bytes);
            assertRejected(DecodeStatus.BAD_STRING, "01 20 01 0000000000000003 " + len + bytes + " 0000 0000 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 20 01 0000000000000003 0001 61 " + len + bytes + " 0000 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 21 0001 " + len + bytes + " 0000 0000 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 21 0001 0001 61 0000 0000 " + len + bytes);
        }

        @Test
        @DisplayName("a string longer than MAX_STRING_BYTES, even if every byte is present")
        void tooLong() {
            int n = Protocol.MAX_STRING_BYTES + 1;
            assertRejected(DecodeStatus.BAD_STRING, "01 1f 0001 %04x %s".formatted(n, "61".repeat(n)));
            int max = Protocol.MAX_STRING_BYTES;
            assertInstanceOf(Decoded.Ok.class, decode(hex("01 1f 0001 %04x %s".formatted(max, "61".repeat(max)))));
        }

        @Test
        @DisplayName("JOIN with an empty room or identity")
        void emptyJoinNames() {
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0000 0005 616c696365 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0005 6c6f626279 0000 0000");
        }

        @Test
        @DisplayName("JOIN room or identity longer than 256 bytes; exactly 256 is fine")
        void longJoinNames() {
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0101 %s 0001 61 0000".formatted("61".repeat(257)));
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0001 61 0101 %s 0000".formatted("61".repeat(257)));
            assertInstanceOf(Decoded.Ok.class,
                    decode(hex("01 10 0100 %s 0100 %s 0000".formatted("61".repeat(256), "62".repeat(256)))));
        }

        @ParameterizedTest(name = "control character {0}")
        @ValueSource(strings = {"00", "0a", "1f", "7f", "c285"})
        @DisplayName("JOIN room or identity holding a control character")
        void controlCharacters(String ctl) {
            String name = "%04x 61%s62".formatted(2 + ctl.length() / 2, ctl);
            assertRejected(DecodeStatus.BAD_STRING, "01 10 " + name + " 0001 61 0000");
            assertRejected(DecodeStatus.BAD_STRING, "01 10 0001 61 " + name + " 0000");
            // The token is opaque: control characters are allowed there.
            assertInstanceOf(Decoded.Ok.class, decode(hex("01 10 0001 61 0001 61 " + name)));
        }
    }

    @Test
    @DisplayName("BAD_KIND: a stream kind that is neither audio nor video")
    void badKind() {
        assertRejected(DecodeStatus.BAD_KIND, "01 14 00000001 0002 00");
        assertRejected(DecodeStatus.BAD_KIND, "01 14 00000001 0002 03");
        assertRejected(DecodeStatus.BAD_KIND, "01 11 00000001 0001 72 0001 00000002 0000 0001 0001 ff");
    }

    @Test
    @DisplayName("the first problem in the frame is the one reported")
    void firstProblemWins() {
        // Empty room (BAD_STRING) comes before the truncated identity (TOO_SHORT).
        assertRejected(DecodeStatus.BAD_STRING, "01 10 0000 00");
        // Trailing bytes are only judged once the body is otherwise valid.
        assertRejected(DecodeStatus.BAD_KIND, "01 14 00000001 0002 09 ffff");
    }

    @Test
    @DisplayName("every truncation of every valid encoding is rejected and never throws")
    void everyTruncation() {
        for (ControlMessage message : ControlCodecTest.samples()) {
            byte[] full = encoded(message);
            for (int length = 0; length < full.length; length++) {
                ByteBuf cut = Unpooled.wrappedBuffer(full, 0, length);
                try {
                    Decoded decoded = decode(cut);
                    if (message instanceof ControlMessage.Join j && j.options() != 0 && length == full.length - 1
                            && decoded instanceof Decoded.Ok(ControlMessage.Join shorter)
                            && shorter.equals(new ControlMessage.Join(j.room(), j.identity(), j.token()))) {
                        continue; // its options byte is optional: without it, it is the same JOIN without options
                    }
                    if (!(decoded instanceof Decoded.Rejected)) {
                        fail(message.type() + " cut to " + length + " of " + full.length + " bytes decoded: " + decoded);
                    }
                } finally {
                    cut.release();
                }
            }
        }
    }

    @Test
    @DisplayName("random bytes never throw; whatever decodes re-encodes to the same bytes")
    void randomBytes() {
        Random random = new Random(0x6b66_7265_6c61_79L);
        int ok = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = new byte[random.nextInt(48)];
            random.nextBytes(bytes);
            // Most of the time force a valid version and control type so the body parsers get exercised.
            if (bytes.length >= 2 && i % 4 != 0) {
                bytes[0] = Protocol.VERSION;
                bytes[1] = (byte) (0x10 + random.nextInt(16));
            }
            ok += assertCanonical(bytes);
        }
        assertTrue(ok > 0, "some random frames should be valid messages");
    }

    @Test
    @DisplayName("single-byte corruptions of valid encodings never throw")
    void mutations() {
        Random random = new Random(42);
        List<ControlMessage> samples = ControlCodecTest.samples();
        for (int i = 0; i < 4000; i++) {
            byte[] bytes = encoded(samples.get(random.nextInt(samples.size())));
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            assertCanonical(bytes);
        }
    }

    /** Decodes without throwing; an accepted frame must re-encode byte for byte. Returns 1 if it was accepted. */
    private int assertCanonical(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            if (decode(buf) instanceof Decoded.Ok(ControlMessage message)) {
                assertArrayEquals(bytes, encoded(message), () -> "re-encoding " + message);
                return 1;
            }
            return 0;
        } finally {
            buf.release();
        }
    }
}
