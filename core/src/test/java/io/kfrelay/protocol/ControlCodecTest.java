package io.kfrelay.protocol;

import io.kfrelay.protocol.ControlCodec.Decoded;
import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.KeyframeRequest;
import io.kfrelay.protocol.ControlMessage.Layer;
import io.kfrelay.protocol.ControlMessage.Simulcast;
import io.kfrelay.protocol.ControlMessage.Subscribe;
import io.kfrelay.protocol.ControlMessage.SubscribeRefused;
import io.kfrelay.protocol.ControlMessage.Unsubscribe;
import io.kfrelay.protocol.ControlMessage.Leave;
import io.kfrelay.protocol.ControlMessage.ParticipantJoined;
import io.kfrelay.protocol.ControlMessage.ParticipantLeft;
import io.kfrelay.protocol.ControlMessage.Peer;
import io.kfrelay.protocol.ControlMessage.Ping;
import io.kfrelay.protocol.ControlMessage.Pong;
import io.kfrelay.protocol.ControlMessage.StreamEnded;
import io.kfrelay.protocol.ControlMessage.StreamInfo;
import io.kfrelay.protocol.ControlMessage.StreamStarted;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("ControlCodec: every control message round-trips and matches the documented layout")
class ControlCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    private final List<ByteBuf> buffers = new ArrayList<>();

    @AfterEach
    void releaseBuffers() {
        buffers.forEach(ByteBuf::release);
    }

    private ByteBuf track(ByteBuf buf) {
        buffers.add(buf);
        return buf;
    }

    /** One or more instances of every control message type, including edge values; shared with the malformed test. */
    static List<ControlMessage> samples() {
        return List.of(
                new Join("lobby", "alice", ""),
                new Join("Sală de ședințe 🎥", "Zoë 日本語", "tøken-✓"),
                new Join("é".repeat(128), "🎥".repeat(64), "🎥".repeat(Protocol.MAX_STRING_BYTES / 4)),
                new Joined(1, "lobby", List.of()),
                new Joined(0xFFFF_FFFFL, "room 🎥", List.of(
                        new Peer(0, "", List.of()),
                        new Peer(7, "bob", List.of(new StreamInfo(0, Protocol.KIND_AUDIO),
                                new StreamInfo(0xFFFF, Protocol.KIND_VIDEO))))),
                manyPeers(300, 6),
                new ParticipantJoined(42, "Zoë"),
                new ParticipantJoined(0xFFFF_FFFFL, "x".repeat(Protocol.MAX_STRING_BYTES)),
                new ParticipantLeft(0),
                new ParticipantLeft(0xFFFF_FFFFL),
                new StreamStarted(3, 1, Protocol.KIND_AUDIO),
                new StreamStarted(0x8000_0000L, 0xFFFF, Protocol.KIND_VIDEO),
                new StreamEnded(3, 1),
                new Leave(),
                new KeyframeRequest(42, 3),
                new KeyframeRequest(0xFFFF_FFFFL, 0xFFFF),
                new Ping(0),
                new Ping(Long.MIN_VALUE),
                new Pong(-1),
                new Join("lobby", "viewer", "", Join.MANUAL_SUBSCRIBE),
                new Subscribe(7, 2, Protocol.LAYER_AUTO),
                new Subscribe(0xFFFF_FFFFL, 0xFFFF, 0),
                new Unsubscribe(7, 2),
                new Simulcast(7, List.of(10, 11, 12)),
                new Simulcast(0, List.of(0xFFFF)),
                new Layer(7, 10, 12, 2, LayerCause.CONGESTION.code()),
                new SubscribeRefused(7, 2, ErrorCodes.NO_SUCH_STREAM, "no stream 2 of participant 7 in this room"),
                new SubscribeRefused(0xFFFF_FFFFL, 0, ErrorCodes.TOO_MANY_PENDING, ""),
                new ControlMessage.Error(ErrorCodes.ROOM_INVALID, "room must not be empty"),
                new ControlMessage.Error(0xFFFF, ""),
                new ControlMessage.Error(DecodeStatus.BAD_STRING.code(), "ünïcödé 🎥"),
                new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 3, "a", "ws://10.0.0.5:8080/kfrelay",
                        "quic://10.0.0.5:4433", "ab:cd"),
                new ControlMessage.Redirect(0xFF, -1L, "", "", "", ""),
                new ControlMessage.Nodes(List.of()),
                new ControlMessage.Nodes(List.of(
                        new ControlMessage.NodeAddress("a", "ws://10.0.0.5:8080/kfrelay", "quic://10.0.0.5:4433", "ab:cd"),
                        new ControlMessage.NodeAddress("nœud-b", "wss://b.example/kfrelay", "", ""),
                        new ControlMessage.NodeAddress("", "", "", ""))));
    }

    static Joined manyPeers(int peers, int streamsEach) {
        List<Peer> list = new ArrayList<>();
        for (int p = 0; p < peers; p++) {
            List<StreamInfo> streams = new ArrayList<>();
            for (int s = 0; s < p % (streamsEach + 1); s++) {
                streams.add(new StreamInfo(s, s % 2 == 0 ? Protocol.KIND_AUDIO : Protocol.KIND_VIDEO));
            }
            list.add(new Peer(1000L + p, "peer-" + p + (p % 3 == 0 ? "-ü" : ""), streams));
        }
        return new Joined(999, "big room", list);
    }

    private ByteBuf encode(ControlMessage m) {
        return track(ControlCodec.encode(m, UnpooledByteBufAllocator.DEFAULT));
    }

    private ByteBuf hex(String hex) {
        return track(Unpooled.wrappedBuffer(HEX.parseHex(hex.replace(" ", ""))));
    }

    private static ControlMessage decodeOk(ByteBuf buf) {
        Decoded decoded = ControlCodec.decode(buf);
        return assertInstanceOf(Decoded.Ok.class, decoded, () -> "expected Ok, got " + decoded).message();
    }

    @Test
    @DisplayName("the samples cover every control message type")
    void samplesCoverEveryType() {
        Set<MessageType> covered = samples().stream().map(ControlMessage::type).collect(Collectors.toSet());
        Set<MessageType> expected = EnumSet.allOf(MessageType.class);
        expected.remove(MessageType.MEDIA);
        assertEquals(expected, covered);
    }

    @ParameterizedTest
    @MethodSource("samples")
    @DisplayName("encode then decode gives an equal message from an exact-size buffer")
    void roundTrip(ControlMessage message) {
        ByteBuf buf = encode(message);
        assertEquals(ControlCodec.encodedLength(message), buf.readableBytes());
        assertEquals(buf.readableBytes(), buf.capacity(), "buffer is exact-size");
        assertEquals(Protocol.VERSION, buf.getUnsignedByte(0));
        assertEquals(message.type().code(), buf.getUnsignedByte(1));

        assertEquals(message, decodeOk(buf));
        assertEquals(0, buf.readerIndex(), "decode leaves the reader index alone");
        assertEquals(message.type(), ControlCodec.peekType(buf));
    }

    @ParameterizedTest
    @MethodSource("samples")
    @DisplayName("a message in the middle of a larger buffer decodes from its reader index")
    void decodesAtNonZeroReaderIndex(ControlMessage message) {
        ByteBuf buf = track(Unpooled.buffer());
        buf.writeBytes(new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE});
        ControlCodec.encode(message, buf);
        int end = buf.writerIndex();
        buf.writeBytes(new byte[] {(byte) 0xEE, (byte) 0xEE}); // bytes after the frame are not part of it
        ByteBuf frame = buf.slice(3, end - 3);

        assertEquals(message, decodeOk(frame));
        buf.readerIndex(3).writerIndex(end);
        assertEquals(message, decodeOk(buf));
        assertEquals(3, buf.readerIndex());
    }

    @Test
    @DisplayName("encode(message, out) appends at the writer index")
    void encodeAppends() {
        ByteBuf out = track(Unpooled.buffer());
        ControlCodec.encode(new Ping(1), out);
        ControlCodec.encode(new Pong(2), out);
        assertEquals(20, out.readableBytes());
        assertEquals(new Ping(1), decodeOk(out.slice(0, 10)));
        assertEquals(new Pong(2), decodeOk(out.slice(10, 10)));
    }

    @Nested
    @DisplayName("byte layout matches docs/PROTOCOL.md")
    class Layout {
        private void assertLayout(ControlMessage message, String expectedHex) {
            ByteBuf buf = encode(message);
            assertEquals(expectedHex.replace(" ", ""), ByteBufUtil.hexDump(buf));
            assertEquals(message, decodeOk(hex(expectedHex)));
        }

        @Test
        @DisplayName("JOIN: version, type 0x10, then room, identity, token as u16 length + UTF-8")
        void join() {
            assertLayout(new Join("lobby", "alice", ""),
                    "01 10 0005 6c6f626279 0005 616c696365 0000");
        }

        @Test
        @DisplayName("JOIN with a multi-byte identity counts UTF-8 bytes, not chars")
        void joinUnicode() {
            assertLayout(new Join("r", "Zoë", "t"),
                    "01 10 0001 72 0004 5a6fc3ab 0001 74");
        }

        @Test
        @DisplayName("KEYFRAME_REQUEST: type 0x17, u32 sender id, u16 stream id")
        void keyframeRequest() {
            assertLayout(new KeyframeRequest(42, 3), "01 17 0000002a 0003");
            assertLayout(new KeyframeRequest(0xFFFF_FFFEL, 0xABCD), "01 17 fffffffe abcd");
        }

        @Test
        @DisplayName("JOINED: u32 own id, room, u16 count, then per peer u32 id, identity, u16 streams, (u16 id, u8 kind)*")
        void joined() {
            assertLayout(new Joined(5, "r", List.of(
                            new Peer(7, "bo", List.of(new StreamInfo(1, Protocol.KIND_AUDIO),
                                    new StreamInfo(2, Protocol.KIND_VIDEO))),
                            new Peer(8, "", List.of()))),
                    "01 11 00000005 0001 72 0002"
                            + " 00000007 0002 626f 0002 0001 01 0002 02"
                            + " 00000008 0000 0000");
            // The example printed in docs/PROTOCOL.md section 4.2.
            assertLayout(new Joined(5, "r", List.of(new Peer(8, "bo", List.of(
                            new StreamInfo(1, Protocol.KIND_AUDIO), new StreamInfo(2, Protocol.KIND_VIDEO))))),
                    "01 11 00 00 00 05 00 01 72 00 01 00 00 00 08 00 02 62 6F 00 02 00 01 01 00 02 02".toLowerCase());
        }

        @Test
        @DisplayName("the small fixed-size messages")
        void fixedSize() {
            assertLayout(new ParticipantJoined(9, "a"), "01 12 00000009 0001 61");
            assertLayout(new ParticipantLeft(9), "01 13 00000009");
            assertLayout(new StreamStarted(9, 4, Protocol.KIND_VIDEO), "01 14 00000009 0004 02");
            assertLayout(new StreamEnded(9, 4), "01 15 00000009 0004");
            assertLayout(new Leave(), "01 16");
            assertLayout(new Ping(0x0102030405060708L), "01 18 0102030405060708");
            assertLayout(new Pong(-2), "01 19 fffffffffffffffe");
            assertLayout(new ControlMessage.Error(ErrorCodes.NOT_JOINED, "no"), "01 1f 0067 0002 6e6f");
        }

        @Test
        @DisplayName("REDIRECT: reason, u64 epoch, node, ws URL, quic URL, quic pin (PROTOCOL.md example)")
        void redirect() {
            assertLayout(new ControlMessage.Redirect(ControlMessage.Redirect.ROOM_ELSEWHERE, 3, "a", "ws://h:1/", "", ""),
                    "01 20 01 0000000000000003 0001 61 0009 77733a2f2f683a312f 0000 0000");
        }

        @Test
        @DisplayName("NODES: u16 count, then per node id, ws URL, quic URL, quic pin (PROTOCOL.md example)")
        void nodes() {
            assertLayout(new ControlMessage.Nodes(List.of(new ControlMessage.NodeAddress("a", "ws://h:1/", "", ""),
                            new ControlMessage.NodeAddress("b", "", "quic://h:2", "ab"))),
                    "01 21 0002 0001 61 0009 77733a2f2f683a312f 0000 0000"
                            + " 0001 62 0000 000a 717569633a2f2f683a32 0002 6162");
            assertLayout(new ControlMessage.Nodes(List.of()), "01 21 0000");
        }

        @Test
        @DisplayName("JOIN with options: one more byte after the token; without options the byte is not written")
        void joinOptions() {
            // The example printed in docs/PROTOCOL.md section 4.1.
            assertLayout(new Join("lobby", "alice", "", Join.MANUAL_SUBSCRIBE),
                    "01 10 0005 6c6f626279 0005 616c696365 0000 01");
            assertLayout(new Join("lobby", "alice", "", Join.MANUAL_SUBSCRIBE | Join.RECEIVE_ONLY),
                    "01 10 0005 6c6f626279 0005 616c696365 0000 03");
            Decoded zero = ControlCodec.decode(hex("01 10 0005 6c6f626279 0005 616c696365 0000 00"));
            assertEquals(DecodeStatus.BAD_LENGTH, assertInstanceOf(Decoded.Rejected.class, zero).reason(),
                    "no options is written by leaving the byte out: one encoding per JOIN");
        }

        @Test
        @DisplayName("the subscription and simulcast messages, as printed in docs/PROTOCOL.md section 4.11-4.15")
        void subscriptionMessages() {
            assertLayout(new Subscribe(42, 10, 1), "01 1a 0000002a 000a 01");
            assertLayout(new Subscribe(42, 3, Protocol.LAYER_AUTO), "01 1a 0000002a 0003 ff");
            assertLayout(new Unsubscribe(42, 3), "01 1b 0000002a 0003");
            assertLayout(new Simulcast(42, List.of(10, 11, 12)), "01 1c 0000002a 03 000a 000b 000c");
            assertLayout(new Layer(42, 10, 11, 1, LayerCause.CONGESTION.code()), "01 1d 0000002a 000a 000b 01 02");
            assertLayout(new SubscribeRefused(42, 9, ErrorCodes.NO_SUCH_STREAM, "gone"),
                    "01 1e 0000002a 0009 0082 0004 676f6e65");
        }
    }

    @Nested
    @DisplayName("peekType routes frames without decoding them")
    class PeekType {
        @Test
        @DisplayName("a media header peeks as MEDIA")
        void media() {
            ByteBuf buf = track(Unpooled.buffer());
            MediaHeader.write(buf, 0, Protocol.KIND_AUDIO, 1, 1, 0, 0);
            assertEquals(MessageType.MEDIA, ControlCodec.peekType(buf));
        }

        @Test
        @DisplayName("the two leading bytes are enough for a control type")
        void twoBytes() {
            assertEquals(MessageType.LEAVE, ControlCodec.peekType(hex("0116")));
            assertEquals(MessageType.JOIN, ControlCodec.peekType(hex("0110")), "even if the body is missing");
        }

        @Test
        @DisplayName("short frames, other versions and unknown codes peek as null")
        void invalid() {
            assertNull(ControlCodec.peekType(hex("")));
            assertNull(ControlCodec.peekType(hex("01")));
            assertNull(ControlCodec.peekType(hex("0216")));
            assertNull(ControlCodec.peekType(hex("0016")));
            assertNull(ControlCodec.peekType(hex("0100")));
            assertNull(ControlCodec.peekType(hex("01ff")));
        }

        @Test
        @DisplayName("peeking reads from the reader index and does not move it")
        void readerIndex() {
            ByteBuf buf = hex("ff ff 01 18");
            buf.readerIndex(2);
            assertEquals(MessageType.PING, ControlCodec.peekType(buf));
            assertEquals(2, buf.readerIndex());
        }
    }

    @Nested
    @DisplayName("records refuse what the wire cannot carry")
    class Validation {
        @Test
        @DisplayName("JOIN room and identity are 1..256 UTF-8 bytes without control characters")
        void joinNames() {
            assertThrows(IllegalArgumentException.class, () -> new Join("", "alice", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("lobby", "", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("a".repeat(257), "alice", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("é".repeat(129), "alice", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("lobby", "ali\nce", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("lob\u0000by", "alice", ""));
            assertThrows(IllegalArgumentException.class, () -> new Join("lobby", "al\u0085ice", ""));
            assertThrows(NullPointerException.class, () -> new Join("lobby", "alice", null));
            assertEquals(256, Join.MAX_NAME_BYTES);
            assertTrue(Join.isValidName("a".repeat(256)));
        }

        @Test
        @DisplayName("strings longer than MAX_STRING_BYTES or with an unpaired surrogate are refused")
        void strings() {
            String tooLong = "a".repeat(Protocol.MAX_STRING_BYTES + 1);
            assertThrows(IllegalArgumentException.class, () -> new Join("lobby", "alice", tooLong));
            assertThrows(IllegalArgumentException.class, () -> new ControlMessage.Error(1, tooLong));
            assertThrows(IllegalArgumentException.class, () -> new ParticipantJoined(1, "\uD83C"));
            assertThrows(IllegalArgumentException.class, () -> new Join("lobby", "a\uDF25b", ""));
        }

        @Test
        @DisplayName("ids are u32, stream ids and error codes u16, kinds audio or video")
        void ranges() {
            assertThrows(IllegalArgumentException.class, () -> new ParticipantLeft(-1));
            assertThrows(IllegalArgumentException.class, () -> new ParticipantLeft(0x1_0000_0000L));
            assertThrows(IllegalArgumentException.class, () -> new KeyframeRequest(1, 0x1_0000));
            assertThrows(IllegalArgumentException.class, () -> new StreamEnded(1, -1));
            assertThrows(IllegalArgumentException.class, () -> new StreamStarted(1, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> new StreamInfo(1, 3));
            assertThrows(IllegalArgumentException.class, () -> new ControlMessage.Error(0x1_0000, ""));
        }

        @Test
        @DisplayName("JOINED lists are copied, immutable and at most 65535 long")
        void lists() {
            List<StreamInfo> streams = new ArrayList<>(List.of(new StreamInfo(1, Protocol.KIND_AUDIO)));
            Peer peer = new Peer(1, "a", streams);
            streams.clear();
            assertEquals(1, peer.streams().size());
            assertThrows(UnsupportedOperationException.class, () -> peer.streams().add(null));

            StreamInfo[] tooMany = new StreamInfo[0x1_0000];
            Arrays.fill(tooMany, new StreamInfo(1, Protocol.KIND_AUDIO));
            assertThrows(IllegalArgumentException.class, () -> new Peer(1, "a", List.of(tooMany)));
        }
    }
}
