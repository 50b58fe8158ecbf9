package io.kfrelay.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kfrelay.json.JsonSupport;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlCodec.Decoded;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.Peer;
import io.kfrelay.protocol.ControlMessage.StreamInfo;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The protocol test vectors shared with the browser client: io/src/test/resources/protocol-vectors.json is what the
 * Java codec (ControlCodec, MediaHeader) and the Java packetizer (StreamPacketizer) produce for a fixed list of
 * inputs, and the node tests (io/src/test/js/protocol.test.mjs) check that web/js/protocol.js and
 * web/js/packetizer.js agree with it byte for byte. This test fails when the checked-in file is not what the Java
 * code produces now; regenerate it with
 * {@code mvn -B -o -pl io test -Dtest=ProtocolVectorsTest -Dkfrelay.vectors.write=true} and review the diff.
 */
class ProtocolVectorsTest {
    static final String REGENERATE =
            "mvn -B -o -pl io test -Dtest=ProtocolVectorsTest -Dsurefire.failIfNoSpecifiedTests=false -Dkfrelay.vectors.write=true";
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void checkedInVectorsAreWhatTheJavaCodecProduces() throws IOException {
        String expected = vectorsJson();
        Path file = moduleDir().resolve("src/test/resources/protocol-vectors.json");
        if (Boolean.getBoolean("kfrelay.vectors.write")) {
            Files.writeString(file, expected, StandardCharsets.UTF_8);
            return;
        }
        String actual = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        if (!expected.equals(actual)) {
            fail(file + " differs from what the Java codec produces now. If the protocol change is intended,"
                    + " regenerate it (" + REGENERATE + "), review the diff and make the JS codec pass"
                    + " (node --test io/src/test/js/).");
        }
    }

    private static Path moduleDir() {
        String basedir = System.getProperty("basedir");
        return Path.of(basedir != null ? basedir : System.getProperty("user.dir"));
    }

    // ------------------------------------------------------------------------------------------ the vectors

    /** Valid control messages: the PROTOCOL.md examples, then edge values of every field. */
    static List<Named<ControlMessage>> controlSamples() {
        List<Named<ControlMessage>> s = new ArrayList<>();
        s.add(new Named<>("join: PROTOCOL.md example", new Join("lobby", "alice", "")));
        s.add(new Named<>("join: manual subscribe", new Join("lobby", "alice", "", Join.MANUAL_SUBSCRIBE)));
        s.add(new Named<>("join: receive only, manual subscribe", new Join("lobby", "alice", "", Join.MANUAL_SUBSCRIBE | Join.RECEIVE_ONLY)));
        s.add(new Named<>("join: non-ASCII identity and a token",
                new Join("r\u00e4um", "Zo\u00eb \uD83C\uDFA5", "eyJhbGciOiJIUzI1NiJ9.e30.sig")));
        s.add(new Named<>("join: 256-byte names", new Join("a".repeat(256), "b".repeat(256), "")));
        s.add(new Named<>("join: leading BOM in identity is kept", new Join("r", "\uFEFFx", "")));
        s.add(new Named<>("joined: PROTOCOL.md example", new Joined(5, "r", List.of(new Peer(8, "bo",
                List.of(new StreamInfo(1, Protocol.KIND_AUDIO), new StreamInfo(2, Protocol.KIND_VIDEO)))))));
        s.add(new Named<>("joined: empty room", new Joined(0xFFFF_FFFFL, "lobby", List.of())));
        s.add(new Named<>("joined: two peers, one without streams", new Joined(1, "lobby", List.of(
                new Peer(2, "", List.of()),
                new Peer(0xFFFF_FFFEL, "\u00e9", List.of(new StreamInfo(0xFFFF, Protocol.KIND_VIDEO)))))));
        s.add(new Named<>("participant joined", new ControlMessage.ParticipantJoined(42, "carol")));
        s.add(new Named<>("participant left", new ControlMessage.ParticipantLeft(0xFFFF_FFFFL)));
        s.add(new Named<>("stream started: video", new ControlMessage.StreamStarted(7, 1, Protocol.KIND_VIDEO)));
        s.add(new Named<>("stream started: audio", new ControlMessage.StreamStarted(7, 0xFFFF, Protocol.KIND_AUDIO)));
        s.add(new Named<>("stream ended", new ControlMessage.StreamEnded(7, 1)));
        s.add(new Named<>("leave", new ControlMessage.Leave()));
        s.add(new Named<>("keyframe request: PROTOCOL.md example", new ControlMessage.KeyframeRequest(42, 3)));
        s.add(new Named<>("ping", new ControlMessage.Ping(1)));
        s.add(new Named<>("ping: top bit set", new ControlMessage.Ping(0x8000_0000_0000_0001L)));
        s.add(new Named<>("pong: all ones", new ControlMessage.Pong(-1L)));
        s.add(new Named<>("subscribe: layer 1", new ControlMessage.Subscribe(42, 10, 1)));
        s.add(new Named<>("subscribe: auto", new ControlMessage.Subscribe(42, 3, Protocol.LAYER_AUTO)));
        s.add(new Named<>("unsubscribe", new ControlMessage.Unsubscribe(42, 3)));
        s.add(new Named<>("simulcast: PROTOCOL.md example", new ControlMessage.Simulcast(42, List.of(10, 11, 12))));
        s.add(new Named<>("simulcast: one layer", new ControlMessage.Simulcast(0, List.of(1))));
        s.add(new Named<>("layer: PROTOCOL.md example",
                new ControlMessage.Layer(42, 10, 11, 1, LayerCause.CONGESTION.code())));
        s.add(new Named<>("layer: requested", new ControlMessage.Layer(42, 10, 10, 0, LayerCause.REQUESTED.code())));
        s.add(new Named<>("subscribe refused: PROTOCOL.md example",
                new ControlMessage.SubscribeRefused(42, 9, ErrorCodes.NO_SUCH_STREAM, "gone")));
        s.add(new Named<>("error: token required", new ControlMessage.Error(ErrorCodes.TOKEN_REQUIRED, "token required")));
        s.add(new Named<>("error: room elsewhere", new ControlMessage.Error(ErrorCodes.ROOM_ELSEWHERE,
                "room 'R' is served by node a (epoch 3) at ws://10.0.0.5:8080/kfrelay: connect there")));
        s.add(new Named<>("redirect: PROTOCOL.md example", new ControlMessage.Redirect(
                ControlMessage.Redirect.ROOM_ELSEWHERE, 3, "a", "ws://h:1/", "", "")));
        s.add(new Named<>("redirect: with QUIC, epoch top bit set", new ControlMessage.Redirect(
                ControlMessage.Redirect.ROOM_ELSEWHERE, 0x8000_0000_0000_0005L, "node-b", "wss://b.example:8443/kfrelay",
                "quic://b.example:4433", "ab:cd:ef")));
        s.add(new Named<>("redirect: reserved reason", new ControlMessage.Redirect(
                ControlMessage.Redirect.DRAINING, 7, "c", "ws://c:1/", "", "")));
        s.add(new Named<>("nodes: PROTOCOL.md example", new ControlMessage.Nodes(List.of(
                new ControlMessage.NodeAddress("a", "ws://h:1/", "", ""),
                new ControlMessage.NodeAddress("b", "", "quic://h:2", "ab")))));
        s.add(new Named<>("nodes: none", new ControlMessage.Nodes(List.of())));
        s.add(new Named<>("nodes: every field, non-ASCII id", new ControlMessage.Nodes(List.of(
                new ControlMessage.NodeAddress("n\u0153ud-b", "wss://b.example:8443/kfrelay", "quic://b.example:4433",
                        "ab:cd:ef")))));
        s.add(new Named<>("error: decode status, empty reason", new ControlMessage.Error(DecodeStatus.BAD_LENGTH.code(), "")));
        return s;
    }

    /** Control frames the codec refuses: the cases of core's ControlCodecMalformedTest. */
    static List<Named<String>> malformedControl() {
        List<Named<String>> s = new ArrayList<>();
        String[][] cases = {
                {"empty frame", ""},
                {"one byte", "01"},
                {"ping without nonce", "01 18"},
                {"ping nonce cut", "01 18 01020304050607"},
                {"participant left cut", "01 13 000000"},
                {"stream started without kind", "01 14 00000001 0002"},
                {"keyframe request cut", "01 17 00000001 00"},
                {"join: room length cut", "01 10 00"},
                {"join: token length cut", "01 10 0001 61 0001 61"},
                {"version 0", "00 16"},
                {"version 2", "02 16"},
                {"version 255", "ff 18 0000000000000001"},
                {"type 0x00", "01 00"},
                {"type 0x02", "01 02"},
                {"type 0x09", "01 09"},
                {"type 0x22", "01 22"},
                {"type 0xff", "01 ff"},
                {"media given to the control decoder", "01 01 01 02 00000001 0001 0000 00000001 00000001"},
                {"join: unknown option bit", "01 10 0001 61 0001 62 0000 04"},
                {"join: high option bit", "01 10 0001 61 0001 62 0000 81"},
                {"join: options byte 00", "01 10 0001 61 0001 62 0000 00"},
                {"subscribe cut", "01 1a 00000001 0002"},
                {"unsubscribe cut", "01 1b 00000001 00"},
                {"simulcast cut", "01 1c 000000"},
                {"layer cut", "01 1d 00000001 0002 0003 01"},
                {"subscribe refused without reason", "01 1e 00000001 0002 0082"},
                {"redirect: empty body", "01 20"},
                {"redirect: epoch cut", "01 20 01 00000000000000"},
                {"redirect: without strings", "01 20 01 0000000000000003"},
                {"redirect: quic pin missing", "01 20 01 0000000000000003 0001 61 0000 0000"},
                {"redirect: node past end", "01 20 01 0000000000000003 0005 61"},
                {"redirect: a byte left over", "01 20 01 0000000000000003 0001 61 0000 0000 0000 00"},
                {"nodes: empty body", "01 21"},
                {"nodes: count cut", "01 21 00"},
                {"nodes: count 1 without a node", "01 21 0001"},
                {"nodes: count 2, one node", "01 21 0002 0000 0000 0000 0000"},
                {"nodes: count 0, one node left over", "01 21 0000 0000 0000 0000 0000"},
                {"nodes: quic pin missing", "01 21 0001 0003 616263 0000 0000"},
                {"nodes: ws url past end", "01 21 0001 0001 61 0009 77733a2f 0000 0000"},
                {"join: room past end", "01 10 0006 6c6f626279"},
                {"error: reason length ffff", "01 1f 0001 ffff 61"},
                {"error: reason length 1001", "01 1f 0001 1001"},
                {"leave with a byte left over", "01 16 00"},
                {"ping with a byte left over", "01 18 0000000000000001 00"},
                {"join: byte after options", "01 10 0001 61 0001 62 0000 01 ff"},
                {"subscribe with a byte left over", "01 1a 00000001 0002 ff 00"},
                {"simulcast: a stream id left over", "01 1c 00000001 01 0002 0003"},
                {"joined with a byte left over", "01 11 00000001 0001 72 0000 00"},
                {"joined: hostile participant count", "01 11 00000001 0001 72 ffff"},
                {"joined: hostile participant count with one peer", "01 11 00000001 0001 72 ffff 00000002 0000 0000"},
                {"joined: two peers in 15 bytes", "01 11 00000001 0001 72 0002 00000002 0000 0000 00000003 0000 00"},
                {"simulcast: layer count 255", "01 1c 00000001 ff 0001 0002"},
                {"simulcast: layer count 3 with 2 ids", "01 1c 00000001 03 0001 0002"},
                {"joined: hostile stream count", "01 11 00000001 0001 72 0001 00000002 0000 ffff 0001 01"},
                {"joined: two streams in 5 bytes", "01 11 00000001 0001 72 0001 00000002 0000 0002 0001 01 0002"},
                {"joined: stream kind 7", "01 11 00000001 0001 72 0001 00000002 0000 0001 0001 07"},
                {"error: reason 4097 bytes", "01 1f 0001 1001 " + "61".repeat(4097)},
                {"join: empty room", "01 10 0000 0005 616c696365 0000"},
                {"join: empty identity", "01 10 0005 6c6f626279 0000 0000"},
                {"join: room 257 bytes", "01 10 0101 " + "61".repeat(257) + " 0001 61 0000"},
                {"join: identity 257 bytes", "01 10 0001 61 0101 " + "62".repeat(257) + " 0000"},
                {"stream started: kind 0", "01 14 00000001 0002 00"},
                {"stream started: kind 3", "01 14 00000001 0002 03"},
                {"joined: stream kind ff", "01 11 00000001 0001 72 0001 00000002 0000 0001 0001 ff"},
                {"join: empty room before truncated identity", "01 10 0000 00"},
                {"stream started: bad kind before trailing bytes", "01 14 00000001 0002 09 ffff"},
        };
        for (String[] c : cases) {
            s.add(new Named<>(c[0], c[1]));
        }
        String[] badUtf8 = {"c328", "80", "c080", "e08080", "eda080", "f09f8e", "f4908080", "ff", "fe"};
        for (String b : badUtf8) {
            String len = "%04x".formatted(b.length() / 2);
            s.add(new Named<>("error: reason is bad UTF-8 " + b, "01 1f 0001 " + len + b));
            s.add(new Named<>("join: identity is bad UTF-8 " + b, "01 10 0001 61 " + len + b + " 0000"));
            s.add(new Named<>("join: token is bad UTF-8 " + b, "01 10 0001 61 0001 61 " + len + b));
            s.add(new Named<>("redirect: ws url is bad UTF-8 " + b,
                    "01 20 01 0000000000000003 0001 61 " + len + b + " 0000 0000"));
            s.add(new Named<>("nodes: quic pin is bad UTF-8 " + b, "01 21 0001 0001 61 0000 0000 " + len + b));
        }
        for (String ctl : new String[]{"00", "0a", "1f", "7f", "c285"}) {
            String name = "%04x 61%s62".formatted(2 + ctl.length() / 2, ctl);
            s.add(new Named<>("join: room holds control character " + ctl, "01 10 " + name + " 0001 61 0000"));
            s.add(new Named<>("join: identity holds control character " + ctl, "01 10 0001 61 " + name + " 0000"));
        }
        return s;
    }

    /** Control frames that decode although they look odd (the token is opaque; 4096 bytes is the limit). */
    static List<Named<String>> oddButValidControl() {
        return List.of(
                new Named<>("join: control characters in the token are fine", "01 10 0001 61 0001 61 0003 610a62"),
                new Named<>("error: reason of exactly 4096 bytes", "01 1f 0001 1000 " + "61".repeat(4096)),
                new Named<>("joined: one peer one stream", "01 11 00000001 0001 72 0001 00000002 0000 0001 0001 02"));
    }

    /** Valid media packets: the PROTOCOL.md example, then edge values. */
    static List<Named<String>> mediaSamples() {
        List<Named<String>> s = new ArrayList<>();
        s.add(new Named<>("media: PROTOCOL.md example", media(0x0B, Protocol.KIND_VIDEO, 7, 1, 1234, 1_440_000, "deadbeef")));
        s.add(new Named<>("media: header only", media(0x0A, Protocol.KIND_AUDIO, 0, 2, 0, 0, "")));
        s.add(new Named<>("media: replayed keyframe middle", media(0x05, Protocol.KIND_VIDEO, 3, 3, 9, 90_000, "00")));
        s.add(new Named<>("media: all flags, max fields",
                media(0x0F, Protocol.KIND_VIDEO, (int) 0xFFFF_FFFFL, 0xFFFF, 0xFFFF_FFFFL, 0xFFFF_FFFFL, "0102")));
        s.add(new Named<>("media: delta start", media(0x08, Protocol.KIND_VIDEO, 1, 1, 0x8000_0000L, 12345, "000001")));
        return s;
    }

    static List<Named<String>> malformedMedia() {
        String ok = media(0x0B, Protocol.KIND_VIDEO, 7, 1, 1234, 1_440_000, "deadbeef");
        return List.of(
                new Named<>("media: empty", ""),
                new Named<>("media: one byte", "01"),
                new Named<>("media: 19 bytes", ok.substring(0, 38)),
                new Named<>("media: short with bad version", "02" + ok.substring(2, 20)),
                new Named<>("media: short control type", "0110"),
                new Named<>("media: version 2", "02" + ok.substring(2)),
                new Named<>("media: type JOIN", "0110" + ok.substring(4)),
                new Named<>("media: flag 0x10", ok.substring(0, 4) + "1b" + ok.substring(6)),
                new Named<>("media: flag 0x80", ok.substring(0, 4) + "80" + ok.substring(6)),
                new Named<>("media: kind 0", ok.substring(0, 6) + "00" + ok.substring(8)),
                new Named<>("media: kind 3", ok.substring(0, 6) + "03" + ok.substring(8)),
                new Named<>("media: reserved 0001", ok.substring(0, 20) + "0001" + ok.substring(24)),
                new Named<>("media: reserved 8000", ok.substring(0, 20) + "8000" + ok.substring(24)));
    }

    /** Frames packetized by the Java client's StreamPacketizer. */
    record PacketizerCase(String name, int streamId, int kind, int maxPacketBytes, long firstSequence,
                          boolean keyframe, long timestamp, int frameLength) {
    }

    static List<PacketizerCase> packetizerCases() {
        return List.of(
                new PacketizerCase("keyframe of 2500 bytes at the default 1200", 1, Protocol.KIND_VIDEO, 1200, 0,
                        true, 90_000, 2500),
                new PacketizerCase("delta of exactly one payload (1180)", 1, Protocol.KIND_VIDEO, 1200, 7,
                        false, 93_000, 1180),
                new PacketizerCase("delta of one payload plus one byte", 1, Protocol.KIND_VIDEO, 1200, 7,
                        false, 93_000, 1181),
                new PacketizerCase("keyframe across the sequence wrap", 3, Protocol.KIND_VIDEO, 100, 0xFFFF_FFFEL,
                        true, 0xFFFF_FFF0L, 300),
                new PacketizerCase("empty audio frame", 2, Protocol.KIND_AUDIO, 1200, 5, false, 960, 0),
                new PacketizerCase("audio frame", 2, Protocol.KIND_AUDIO, 1200, 100, false, 48_000, 80));
    }

    static byte[] frameBytes(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static String media(int flags, int kind, int sender, int stream, long seq, long ts, String payloadHex) {
        ByteBuf buf = Unpooled.buffer();
        try {
            MediaHeader.write(buf, flags, kind, sender, stream, seq, ts);
            buf.writeBytes(HEX.parseHex(payloadHex));
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    record Named<T>(String name, T value) {
    }

    // ------------------------------------------------------------------------------------- JSON, by Jackson

    /** The whole vectors file: deterministic, one vector per line, ASCII only. */
    static String vectorsJson() throws IOException {
        ObjectNode out = JsonSupport.object().put("about",
                "Written by io/src/test/java/io/kfrelay/client/ProtocolVectorsTest.java from the Java codec; checked by"
                        + " it and by io/src/test/js/*.test.mjs. Do not edit by hand: regenerate with " + REGENERATE);

        ArrayNode control = out.putArray("control");
        for (Named<ControlMessage> n : controlSamples()) {
            byte[] bytes = encode(n.value());
            // Every sample must decode back to itself, or the file would record a lie.
            Decoded d = ControlCodec.decode(Unpooled.wrappedBuffer(bytes));
            assertEquals(new Decoded.Ok(n.value()), d, n.name());
            control.addObject().put("name", n.name()).put("hex", HEX.formatHex(bytes)).set("message", message(n.value()));
        }
        for (Named<String> n : oddButValidControl()) {
            byte[] bytes = HEX.parseHex(n.value().replace(" ", ""));
            Decoded.Ok d = assertInstanceOf(Decoded.Ok.class, ControlCodec.decode(Unpooled.wrappedBuffer(bytes)), n.name());
            control.addObject().put("name", n.name()).put("hex", HEX.formatHex(bytes)).set("message", message(d.message()));
        }

        ArrayNode malformedControl = out.putArray("malformedControl");
        for (Named<String> n : malformedControl()) {
            byte[] bytes = HEX.parseHex(n.value().replace(" ", ""));
            Decoded.Rejected r = assertInstanceOf(Decoded.Rejected.class,
                    ControlCodec.decode(Unpooled.wrappedBuffer(bytes)), n.name());
            malformedControl.addObject().put("name", n.name()).put("hex", HEX.formatHex(bytes))
                    .put("status", r.reason().name());
        }

        ArrayNode media = out.putArray("media");
        MediaHeader h = new MediaHeader();
        for (Named<String> n : mediaSamples()) {
            ByteBuf buf = Unpooled.wrappedBuffer(HEX.parseHex(n.value()));
            assertEquals(DecodeStatus.OK, h.wrap(buf), n.name());
            ObjectNode v = media.addObject().put("name", n.name()).put("hex", n.value());
            v.putObject("header").put("flags", h.flags()).put("kind", h.kind()).put("senderId", h.senderId())
                    .put("streamId", h.streamId()).put("sequence", h.sequence()).put("timestamp", h.timestamp());
            v.put("payloadHex", ByteBufUtil.hexDump(buf, h.payloadOffset(), h.payloadLength()));
        }

        ArrayNode malformedMedia = out.putArray("malformedMedia");
        for (Named<String> n : malformedMedia()) {
            DecodeStatus status = h.wrap(Unpooled.wrappedBuffer(HEX.parseHex(n.value())));
            if (status == DecodeStatus.OK) {
                fail(n.name() + " should be malformed");
            }
            malformedMedia.addObject().put("name", n.name()).put("hex", n.value()).put("status", status.name());
        }

        ArrayNode packetizer = out.putArray("packetizer");
        for (PacketizerCase c : packetizerCases()) {
            ObjectNode v = packetizer.addObject().put("name", c.name()).put("streamId", c.streamId())
                    .put("kind", c.kind()).put("maxPacketBytes", c.maxPacketBytes())
                    .put("firstSequence", c.firstSequence()).put("keyframe", c.keyframe())
                    .put("timestamp", c.timestamp()).put("frameLength", c.frameLength())
                    .put("frameBytes", "(i * 31 + 7) & 0xff");
            ArrayNode packets = v.putArray("packets");
            StreamPacketizer p = new StreamPacketizer(c.streamId(), c.kind(), c.maxPacketBytes(), c.firstSequence(),
                    UnpooledByteBufAllocator.DEFAULT);
            p.packetize(c.keyframe(), Unpooled.wrappedBuffer(frameBytes(c.frameLength())), c.timestamp(), 0, packet -> {
                packets.add(ByteBufUtil.hexDump(packet));
                packet.release();
            });
        }
        return JsonSupport.MAPPER.writer(new VectorsPrinter()).with(JsonWriteFeature.ESCAPE_NON_ASCII)
                .writeValueAsString(out) + "\n";
    }

    /**
     * The file's layout: the top object and its arrays indented two spaces, each vector (everything deeper) on one
     * line as {@code {"name": "x", "hex": "01"}}, so a diff shows which vectors changed.
     */
    static final class VectorsPrinter extends DefaultPrettyPrinter {
        VectorsPrinter() {
            super(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            indentArraysWith(new DefaultIndenter("  ", "\n"));
            indentObjectsWith(new DefaultIndenter("  ", "\n"));
        }

        @Override
        public DefaultPrettyPrinter createInstance() {
            return new VectorsPrinter();
        }

        /** Inside a vector: the file's object is level 1, its arrays level 2. */
        private boolean inline() {
            return _nesting > 2;
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            if (!inline()) {
                super.beforeObjectEntries(g);
            }
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            if (inline()) {
                g.writeRaw(", ");
            } else {
                super.writeObjectEntrySeparator(g);
            }
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            if (inline()) {
                _nesting--;
                g.writeRaw('}');
            } else {
                super.writeEndObject(g, entries);
            }
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            if (!inline()) {
                super.beforeArrayValues(g);
            }
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            if (inline()) {
                g.writeRaw(", ");
            } else {
                super.writeArrayValueSeparator(g);
            }
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            if (inline()) {
                _nesting--;
                g.writeRaw(']');
            } else {
                super.writeEndArray(g, values);
            }
        }
    }

    private static byte[] encode(ControlMessage m) {
        ByteBuf buf = ControlCodec.encode(m, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** A control message as JSON: its type name, then its record components (nonces as unsigned decimal strings). */
    private static ObjectNode message(ControlMessage m) {
        ObjectNode o = JsonSupport.object().put("type", m.type().name());
        for (RecordComponent c : m.getClass().getRecordComponents()) {
            o.set(c.getName(), value(c.getName(), component(c, m)));
        }
        return o;
    }

    private static Object component(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode value(String name, Object v) {
        return switch (v) {
            case String s -> TextNode.valueOf(s);
            case Long l when name.equals("nonce") || name.equals("epoch") -> TextNode.valueOf(Long.toUnsignedString(l)); // u64: beyond JS numbers
            case Number n -> JsonSupport.MAPPER.valueToTree(n);
            case List<?> list -> {
                ArrayNode items = JsonSupport.array();
                for (Object o : list) {
                    items.add(value(name, o));
                }
                yield items;
            }
            case Record r -> {
                ObjectNode o = JsonSupport.object();
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    o.set(c.getName(), value(c.getName(), component(c, r)));
                }
                yield o;
            }
            default -> throw new AssertionError("no JSON form for " + v.getClass());
        };
    }
}
