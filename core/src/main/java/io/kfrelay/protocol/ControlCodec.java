package io.kfrelay.protocol;

import io.kfrelay.protocol.ControlMessage.Join;
import io.kfrelay.protocol.ControlMessage.Joined;
import io.kfrelay.protocol.ControlMessage.KeyframeRequest;
import io.kfrelay.protocol.ControlMessage.Layer;
import io.kfrelay.protocol.ControlMessage.Leave;
import io.kfrelay.protocol.ControlMessage.ParticipantJoined;
import io.kfrelay.protocol.ControlMessage.ParticipantLeft;
import io.kfrelay.protocol.ControlMessage.Peer;
import io.kfrelay.protocol.ControlMessage.Ping;
import io.kfrelay.protocol.ControlMessage.Pong;
import io.kfrelay.protocol.ControlMessage.Simulcast;
import io.kfrelay.protocol.ControlMessage.Subscribe;
import io.kfrelay.protocol.ControlMessage.SubscribeRefused;
import io.kfrelay.protocol.ControlMessage.Unsubscribe;
import io.kfrelay.protocol.ControlMessage.StreamEnded;
import io.kfrelay.protocol.ControlMessage.StreamInfo;
import io.kfrelay.protocol.ControlMessage.StreamStarted;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes and decodes {@link ControlMessage}s (layouts in docs/PROTOCOL.md). Decoding is bounded and total:
 * every read is checked against the frame end first, so any byte sequence yields {@link Decoded.Ok} or
 * {@link Decoded.Rejected} and nothing is ever thrown.
 */
public final class ControlCodec {
    private ControlCodec() {
    }

    /** Version and type bytes that start every message. */
    static final int HEADER_BYTES = 2;
    /** Smallest possible JOINED participant entry: u32 id, empty identity (u16 length), u16 stream count. */
    private static final int MIN_PEER_BYTES = 4 + 2 + 2;
    /** A JOINED stream entry: u16 stream id, u8 kind. */
    private static final int STREAM_INFO_BYTES = 2 + 1;
    /** Smallest NODES entry: four empty strings (u16 lengths). */
    private static final int NODE_ADDRESS_MIN_BYTES = 4 * 2;

    /** Outcome of {@link #decode}: a message, or the reason the frame was refused. */
    public sealed interface Decoded {
        record Ok(ControlMessage message) implements Decoded {
            public Ok {
                Objects.requireNonNull(message, "message");
            }
        }

        /** {@code detail} is a short human text for logs and ERROR reasons, e.g. "room runs past end of frame". */
        record Rejected(DecodeStatus reason, String detail) implements Decoded {
            public Rejected {
                Objects.requireNonNull(reason, "reason");
                Objects.requireNonNull(detail, "detail");
                if (reason == DecodeStatus.OK) {
                    throw new IllegalArgumentException("a rejection needs a failure reason");
                }
            }
        }
    }

    /**
     * The type of the frame in the readable bytes of {@code in} if its version and type byte are valid, else
     * null. Reads two bytes, allocates nothing, never throws: transports use it to route media vs control.
     */
    public static MessageType peekType(ByteBuf in) {
        int at = in.readerIndex();
        if (in.readableBytes() < HEADER_BYTES || Protocol.version(in, at) != Protocol.VERSION) {
            return null;
        }
        return MessageType.fromCode(Protocol.typeCode(in, at));
    }

    // ---------------------------------------------------------------------------------------------- encode

    /** Encodes {@code m} into a new buffer of exactly {@link #encodedLength} bytes. */
    public static ByteBuf encode(ControlMessage m, ByteBufAllocator alloc) {
        int length = encodedLength(m);
        ByteBuf out = alloc.buffer(length, length);
        boolean written = false;
        try {
            encode(m, out);
            written = true;
            return out;
        } finally {
            if (!written) {
                out.release();
            }
        }
    }

    /** Appends the encoding of {@code m} at the writer index of {@code out}. */
    public static void encode(ControlMessage m, ByteBuf out) {
        out.writeByte(Protocol.VERSION);
        out.writeByte(m.type().code());
        switch (m) {
            case Join j -> {
                writeString(out, j.room());
                writeString(out, j.identity());
                writeString(out, j.token());
                if (j.options() != 0) {
                    out.writeByte(j.options());
                }
            }
            case Joined j -> {
                out.writeInt((int) j.participantId());
                writeString(out, j.room());
                out.writeShort(j.participants().size());
                for (Peer p : j.participants()) {
                    out.writeInt((int) p.id());
                    writeString(out, p.identity());
                    out.writeShort(p.streams().size());
                    for (StreamInfo s : p.streams()) {
                        out.writeShort(s.streamId());
                        out.writeByte(s.kind());
                    }
                }
            }
            case ParticipantJoined p -> {
                out.writeInt((int) p.participantId());
                writeString(out, p.identity());
            }
            case ParticipantLeft p -> out.writeInt((int) p.participantId());
            case StreamStarted s -> {
                out.writeInt((int) s.participantId());
                out.writeShort(s.streamId());
                out.writeByte(s.kind());
            }
            case StreamEnded s -> {
                out.writeInt((int) s.participantId());
                out.writeShort(s.streamId());
            }
            case Leave l -> {
                // empty body
            }
            case KeyframeRequest k -> {
                out.writeInt((int) k.senderId());
                out.writeShort(k.streamId());
            }
            case Ping p -> out.writeLong(p.nonce());
            case Pong p -> out.writeLong(p.nonce());
            case Subscribe sub -> {
                out.writeInt((int) sub.publisherId());
                out.writeShort(sub.streamId());
                out.writeByte(sub.layer());
            }
            case Unsubscribe u -> {
                out.writeInt((int) u.publisherId());
                out.writeShort(u.streamId());
            }
            case Simulcast sc -> {
                out.writeInt((int) sc.publisherId());
                out.writeByte(sc.streamIds().size());
                for (int id : sc.streamIds()) {
                    out.writeShort(id);
                }
            }
            case Layer l -> {
                out.writeInt((int) l.publisherId());
                out.writeShort(l.sourceId());
                out.writeShort(l.streamId());
                out.writeByte(l.layer());
                out.writeByte(l.cause());
            }
            case SubscribeRefused r -> {
                out.writeInt((int) r.publisherId());
                out.writeShort(r.streamId());
                out.writeShort(r.code());
                writeString(out, r.reason());
            }
            case ControlMessage.Error e -> {
                out.writeShort(e.code());
                writeString(out, e.reason());
            }
            case ControlMessage.Redirect rd -> {
                out.writeByte(rd.reason());
                out.writeLong(rd.epoch());
                writeString(out, rd.node());
                writeString(out, rd.ws());
                writeString(out, rd.quic());
                writeString(out, rd.quicPin());
            }
            case ControlMessage.Nodes ns -> {
                out.writeShort(ns.nodes().size());
                for (ControlMessage.NodeAddress n : ns.nodes()) {
                    writeString(out, n.id());
                    writeString(out, n.ws());
                    writeString(out, n.quic());
                    writeString(out, n.quicPin());
                }
            }
        }
    }

    /** Encoded size of {@code m} in bytes, version and type included. */
    public static int encodedLength(ControlMessage m) {
        long body = switch (m) {
            case Join j -> stringBytes(j.room()) + stringBytes(j.identity()) + stringBytes(j.token())
                    + (j.options() != 0 ? 1 : 0);
            case Joined j -> {
                long n = 4 + stringBytes(j.room()) + 2;
                for (Peer p : j.participants()) {
                    n += 4 + stringBytes(p.identity()) + 2 + (long) STREAM_INFO_BYTES * p.streams().size();
                }
                yield n;
            }
            case ParticipantJoined p -> 4 + stringBytes(p.identity());
            case ParticipantLeft p -> 4;
            case StreamStarted s -> 4 + 2 + 1;
            case StreamEnded s -> 4 + 2;
            case Leave l -> 0;
            case KeyframeRequest k -> 4 + 2;
            case Ping p -> 8;
            case Pong p -> 8;
            case Subscribe sub -> 4 + 2 + 1;
            case Unsubscribe u -> 4 + 2;
            case Simulcast sc -> 4 + 1 + 2L * sc.streamIds().size();
            case Layer l -> 4 + 2 + 2 + 1 + 1;
            case SubscribeRefused r -> 4 + 2 + 2 + stringBytes(r.reason());
            case ControlMessage.Error e -> 2 + stringBytes(e.reason());
            case ControlMessage.Redirect rd -> 1 + 8 + stringBytes(rd.node()) + stringBytes(rd.ws())
                    + stringBytes(rd.quic()) + stringBytes(rd.quicPin());
            case ControlMessage.Nodes ns -> {
                long n = 2;
                for (ControlMessage.NodeAddress a : ns.nodes()) {
                    n += stringBytes(a.id()) + stringBytes(a.ws()) + stringBytes(a.quic()) + stringBytes(a.quicPin());
                }
                yield n;
            }
        };
        long total = HEADER_BYTES + body;
        // Only a JOINED listing tens of thousands of peers with huge names could get here.
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("message too large to encode: " + total + " bytes");
        }
        return (int) total;
    }

    private static int stringBytes(String s) {
        return 2 + ByteBufUtil.utf8Bytes(s);
    }

    private static void writeString(ByteBuf out, String s) {
        // The record constructors guarantee no unpaired surrogates, so Netty's UTF-8 writer never substitutes.
        // Reserve the exact length: plain writeUtf8 reserves 3 bytes per char and overflows exact-size buffers.
        int length = ByteBufUtil.utf8Bytes(s);
        out.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(out, s, length);
    }

    // ---------------------------------------------------------------------------------------------- decode

    /**
     * Decodes the one message occupying the readable bytes of {@code in}, without moving its reader index.
     * Never throws: malformed input of any shape is a {@link Decoded.Rejected}.
     */
    public static Decoded decode(ByteBuf in) {
        Reader r = new Reader(in);
        if (r.remaining() < HEADER_BYTES) {
            return r.reject(DecodeStatus.TOO_SHORT, "frame shorter than version and type");
        }
        int version = r.u8("version");
        if (version != Protocol.VERSION) {
            return r.reject(DecodeStatus.BAD_VERSION, "version " + version + " is not " + Protocol.VERSION);
        }
        int code = r.u8("type");
        MessageType type = MessageType.fromCode(code);
        if (type == null) {
            return r.reject(DecodeStatus.UNKNOWN_TYPE, "unknown message type 0x" + Integer.toHexString(code));
        }
        return switch (type) {
            case MEDIA -> r.reject(DecodeStatus.UNKNOWN_TYPE, "MEDIA (0x01) is not a control message");
            case JOIN -> {
                String room = r.name("room");
                String identity = r.name("identity");
                String token = r.string("token");
                // The options byte is optional: a JOIN that ends after its token has none (today's clients). No
                // options is written only that way, so every JOIN has one encoding (a 0 there is a byte left over).
                int options = 0;
                if (r.ok() && r.remaining() > 0) {
                    options = r.u8("options");
                    if (options == 0) {
                        yield r.reject(DecodeStatus.BAD_LENGTH, "a JOIN without options leaves the options byte out");
                    }
                    if ((options & ~Join.KNOWN_OPTIONS) != 0) {
                        yield r.reject(DecodeStatus.BAD_FLAGS, "unknown JOIN option bits 0x" + Integer.toHexString(options));
                    }
                }
                yield r.complete() ? ok(new Join(room, identity, token, options)) : r.rejected();
            }
            case JOINED -> decodeJoined(r);
            case PARTICIPANT_JOINED -> {
                long id = r.u32("participant id");
                String identity = r.string("identity");
                yield r.complete() ? ok(new ParticipantJoined(id, identity)) : r.rejected();
            }
            case PARTICIPANT_LEFT -> {
                long id = r.u32("participant id");
                yield r.complete() ? ok(new ParticipantLeft(id)) : r.rejected();
            }
            case STREAM_STARTED -> {
                long id = r.u32("participant id");
                int streamId = r.u16("stream id");
                int kind = r.kind("kind");
                yield r.complete() ? ok(new StreamStarted(id, streamId, kind)) : r.rejected();
            }
            case STREAM_ENDED -> {
                long id = r.u32("participant id");
                int streamId = r.u16("stream id");
                yield r.complete() ? ok(new StreamEnded(id, streamId)) : r.rejected();
            }
            case LEAVE -> r.complete() ? ok(new Leave()) : r.rejected();
            case KEYFRAME_REQUEST -> {
                long sender = r.u32("sender id");
                int streamId = r.u16("stream id");
                yield r.complete() ? ok(new KeyframeRequest(sender, streamId)) : r.rejected();
            }
            case PING -> {
                long nonce = r.u64("nonce");
                yield r.complete() ? ok(new Ping(nonce)) : r.rejected();
            }
            case PONG -> {
                long nonce = r.u64("nonce");
                yield r.complete() ? ok(new Pong(nonce)) : r.rejected();
            }
            case SUBSCRIBE -> {
                long publisher = r.u32("publisher id");
                int streamId = r.u16("stream id");
                int layer = r.u8("layer");
                yield r.complete() ? ok(new Subscribe(publisher, streamId, layer)) : r.rejected();
            }
            case UNSUBSCRIBE -> {
                long publisher = r.u32("publisher id");
                int streamId = r.u16("stream id");
                yield r.complete() ? ok(new Unsubscribe(publisher, streamId)) : r.rejected();
            }
            case SIMULCAST -> {
                long publisher = r.u32("publisher id");
                int count = r.u8count("layer count", 2);
                List<Integer> ids = new ArrayList<>(count);
                for (int i = 0; i < count && r.ok(); i++) {
                    ids.add(r.u16("stream id"));
                }
                yield r.complete() ? ok(new Simulcast(publisher, ids)) : r.rejected();
            }
            case LAYER -> {
                long publisher = r.u32("publisher id");
                int source = r.u16("source id");
                int streamId = r.u16("stream id");
                int layer = r.u8("layer");
                int cause = r.u8("cause");
                yield r.complete() ? ok(new Layer(publisher, source, streamId, layer, cause)) : r.rejected();
            }
            case SUBSCRIBE_REFUSED -> {
                long publisher = r.u32("publisher id");
                int streamId = r.u16("stream id");
                int refusal = r.u16("code");
                String reason = r.string("reason");
                yield r.complete() ? ok(new SubscribeRefused(publisher, streamId, refusal, reason)) : r.rejected();
            }
            case ERROR -> {
                int errorCode = r.u16("error code");
                String reason = r.string("reason");
                yield r.complete() ? ok(new ControlMessage.Error(errorCode, reason)) : r.rejected();
            }
            case REDIRECT -> {
                int why = r.u8("reason");
                long epoch = r.u64("epoch");
                String node = r.string("node");
                String ws = r.string("ws url");
                String quic = r.string("quic url");
                String pin = r.string("quic pin");
                yield r.complete() ? ok(new ControlMessage.Redirect(why, epoch, node, ws, quic, pin)) : r.rejected();
            }
            case NODES -> decodeNodes(r);
        };
    }

    private static Decoded decodeNodes(Reader r) {
        // count() refuses a count the remaining bytes cannot hold (four empty strings each), so the list is bounded.
        int count = r.count("node count", NODE_ADDRESS_MIN_BYTES);
        List<ControlMessage.NodeAddress> nodes = new ArrayList<>(count);
        for (int i = 0; i < count && r.ok(); i++) {
            String id = r.string("node id");
            String ws = r.string("ws url");
            String quic = r.string("quic url");
            String pin = r.string("quic pin");
            if (r.ok()) {
                nodes.add(new ControlMessage.NodeAddress(id, ws, quic, pin));
            }
        }
        return r.complete() ? ok(new ControlMessage.Nodes(nodes)) : r.rejected();
    }

    private static Decoded decodeJoined(Reader r) {
        long you = r.u32("participant id");
        String room = r.string("room");
        // count() refuses counts the remaining bytes cannot hold, so these lists are bounded by the frame size.
        int peerCount = r.count("participant count", MIN_PEER_BYTES);
        List<Peer> peers = new ArrayList<>(peerCount);
        for (int i = 0; i < peerCount && r.ok(); i++) {
            long id = r.u32("participant id");
            String identity = r.string("identity");
            int streamCount = r.count("stream count", STREAM_INFO_BYTES);
            List<StreamInfo> streams = new ArrayList<>(streamCount);
            for (int s = 0; s < streamCount && r.ok(); s++) {
                int streamId = r.u16("stream id");
                int kind = r.kind("stream kind");
                if (r.ok()) {
                    streams.add(new StreamInfo(streamId, kind));
                }
            }
            if (r.ok()) {
                peers.add(new Peer(id, identity, streams));
            }
        }
        return r.complete() ? ok(new Joined(you, room, peers)) : r.rejected();
    }

    private static Decoded ok(ControlMessage m) {
        return new Decoded.Ok(m);
    }

    /**
     * Bounds-checked cursor over one frame, reading with absolute indices so the buffer is never moved.
     * The first failure sticks: later reads return zero or "" and the caller builds nothing once !ok().
     */
    private static final class Reader {
        private final ByteBuf buf;
        private final int end;
        private int pos;
        private DecodeStatus status = DecodeStatus.OK;
        private String detail = "";
        private CharsetDecoder utf8;

        Reader(ByteBuf buf) {
            this.buf = buf;
            this.pos = buf.readerIndex();
            this.end = buf.writerIndex();
        }

        boolean ok() {
            return status == DecodeStatus.OK;
        }

        int remaining() {
            return end - pos;
        }

        Decoded reject(DecodeStatus reason, String why) {
            fail(reason, why);
            return rejected();
        }

        Decoded rejected() {
            return new Decoded.Rejected(status, detail);
        }

        /** True when every read succeeded and the body ended exactly at the frame end. */
        boolean complete() {
            if (ok() && remaining() != 0) {
                fail(DecodeStatus.BAD_LENGTH, remaining() + " bytes left over after the body");
            }
            return ok();
        }

        private void fail(DecodeStatus reason, String why) {
            if (ok()) {
                status = reason;
                detail = why;
            }
        }

        /** Whether {@code n} more bytes are present; fails with TOO_SHORT if not. */
        private boolean have(int n, String field) {
            if (!ok()) {
                return false;
            }
            if (remaining() < n) {
                fail(DecodeStatus.TOO_SHORT, field + " is truncated");
                return false;
            }
            return true;
        }

        int u8(String field) {
            if (!have(1, field)) {
                return 0;
            }
            return buf.getUnsignedByte(pos++);
        }

        int u16(String field) {
            if (!have(2, field)) {
                return 0;
            }
            int v = buf.getUnsignedShort(pos);
            pos += 2;
            return v;
        }

        long u32(String field) {
            if (!have(4, field)) {
                return 0;
            }
            long v = buf.getUnsignedInt(pos);
            pos += 4;
            return v;
        }

        long u64(String field) {
            if (!have(8, field)) {
                return 0;
            }
            long v = buf.getLong(pos);
            pos += 8;
            return v;
        }

        int kind(String field) {
            int kind = u8(field);
            if (ok() && kind != Protocol.KIND_AUDIO && kind != Protocol.KIND_VIDEO) {
                fail(DecodeStatus.BAD_KIND, field + " " + kind + " is neither audio nor video");
            }
            return kind;
        }

        /** A u16 count of entries of at least {@code minEntryBytes} each, refused if the frame cannot hold them. */
        int count(String field, int minEntryBytes) {
            return checkedCount(u16(field), field, minEntryBytes);
        }

        /** A u8 count, checked like {@link #count}. */
        int u8count(String field, int minEntryBytes) {
            return checkedCount(u8(field), field, minEntryBytes);
        }

        private int checkedCount(int n, String field, int minEntryBytes) {
            if (ok() && (long) n * minEntryBytes > remaining()) {
                fail(DecodeStatus.BAD_LENGTH, field + " " + n + " cannot fit in the " + remaining() + " bytes left");
            }
            return ok() ? n : 0;
        }

        String string(String field) {
            int length = u16(field + " length");
            if (!ok()) {
                return "";
            }
            if (length > remaining()) {
                fail(DecodeStatus.BAD_LENGTH, field + " runs past end of frame");
                return "";
            }
            if (length > Protocol.MAX_STRING_BYTES) {
                fail(DecodeStatus.BAD_STRING, field + " is longer than " + Protocol.MAX_STRING_BYTES + " bytes");
                return "";
            }
            String s = decodeUtf8(pos, length);
            if (s == null) {
                fail(DecodeStatus.BAD_STRING, field + " is not valid UTF-8");
                return "";
            }
            pos += length;
            return s;
        }

        /** A JOIN room or identity: a string that also passes {@link Join#isValidName}. */
        String name(String field) {
            String s = string(field);
            if (ok() && !Join.isValidName(s)) {
                fail(DecodeStatus.BAD_STRING,
                        field + " must be 1.." + Join.MAX_NAME_BYTES + " UTF-8 bytes without control characters");
            }
            return s;
        }

        /** Strict UTF-8 (REPORT, not replace): overlong forms, encoded surrogates and cut sequences give null. */
        private String decodeUtf8(int index, int length) {
            if (length == 0) {
                return "";
            }
            if (utf8 == null) {
                utf8 = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
            } else {
                utf8.reset();
            }
            // UTF-8 never yields more UTF-16 units than bytes, so this buffer cannot overflow.
            CharBuffer chars = CharBuffer.allocate(length);
            CoderResult result = utf8.decode(buf.nioBuffer(index, length), chars, true);
            if (!result.isUnderflow()) {
                return null;
            }
            if (!utf8.flush(chars).isUnderflow()) {
                return null;
            }
            return chars.flip().toString();
        }
    }
}
