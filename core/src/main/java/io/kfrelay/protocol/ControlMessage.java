package io.kfrelay.protocol;

import java.util.List;
import java.util.Objects;

/**
 * Every control message of protocol version 1: one immutable record per {@link MessageType} except MEDIA.
 * Byte layouts are in docs/PROTOCOL.md and {@link ControlCodec}.
 *
 * <p>Constructors refuse anything the wire cannot carry (ids beyond u32, stream ids and counts beyond u16,
 * unknown kinds, strings longer than {@link Protocol#MAX_STRING_BYTES} UTF-8 bytes or holding unpaired
 * surrogates), so every instance encodes and decodes back to an equal record.
 */
public sealed interface ControlMessage {

    /** Largest participant id: ids are u32 on the wire, carried as {@code long}. */
    long MAX_PARTICIPANT_ID = 0xFFFF_FFFFL;

    /** Largest value of a u16 field (stream id, count, error code). */
    int MAX_U16 = 0xFFFF;

    /** The wire type of this message (byte 1 of its encoding). */
    default MessageType type() {
        return switch (this) {
            case Join j -> MessageType.JOIN;
            case Joined j -> MessageType.JOINED;
            case ParticipantJoined p -> MessageType.PARTICIPANT_JOINED;
            case ParticipantLeft p -> MessageType.PARTICIPANT_LEFT;
            case StreamStarted s -> MessageType.STREAM_STARTED;
            case StreamEnded s -> MessageType.STREAM_ENDED;
            case Leave l -> MessageType.LEAVE;
            case KeyframeRequest k -> MessageType.KEYFRAME_REQUEST;
            case Ping p -> MessageType.PING;
            case Pong p -> MessageType.PONG;
            case Subscribe s -> MessageType.SUBSCRIBE;
            case Unsubscribe u -> MessageType.UNSUBSCRIBE;
            case Simulcast s -> MessageType.SIMULCAST;
            case Layer l -> MessageType.LAYER;
            case SubscribeRefused r -> MessageType.SUBSCRIBE_REFUSED;
            case Error e -> MessageType.ERROR;
            case Redirect r -> MessageType.REDIRECT;
            case Nodes n -> MessageType.NODES;
        };
    }

    /**
     * Client asks to enter {@code room} as {@code identity}; {@code token} may be empty. {@code options} is a bit
     * set ({@link #MANUAL_SUBSCRIBE}); 0, today's behaviour, is not written on the wire.
     */
    record Join(String room, String identity, String token, int options) implements ControlMessage {
        /** Longest room or identity in UTF-8 bytes: names are short labels, not payloads. */
        public static final int MAX_NAME_BYTES = 256;
        /** Option: subscribe to nothing at JOIN or when streams start; the client sends SUBSCRIBE for what it wants. */
        public static final int MANUAL_SUBSCRIBE = 0x01;
        /**
         * Option: this participant will not publish (media from it is refused as without the canPublish grant). In a
         * cluster the relay may serve it at an edge instead of the room's origin (docs/CLUSTER.md, placement).
         */
        public static final int RECEIVE_ONLY = 0x02;
        /** Every option bit this version defines. */
        public static final int KNOWN_OPTIONS = MANUAL_SUBSCRIBE | RECEIVE_ONLY;

        public Join {
            requireName(room, "room");
            requireName(identity, "identity");
            requireString(token, "token");
            if ((options & ~KNOWN_OPTIONS) != 0) {
                throw new IllegalArgumentException("unknown JOIN option bits: 0x" + Integer.toHexString(options));
            }
        }

        /** A JOIN with no options: subscribed to every stream of the room, as they start. */
        public Join(String room, String identity, String token) {
            this(room, identity, token, 0);
        }

        public boolean manualSubscribe() {
            return (options & MANUAL_SUBSCRIBE) != 0;
        }

        public boolean receiveOnly() {
            return (options & RECEIVE_ONLY) != 0;
        }

        /** A valid room or identity is 1..{@value #MAX_NAME_BYTES} UTF-8 bytes with no control characters. */
        public static boolean isValidName(String name) {
            if (name == null) {
                return false;
            }
            int bytes = utf8Length(name);
            if (bytes < 1 || bytes > MAX_NAME_BYTES) {
                return false;
            }
            for (int i = 0; i < name.length(); i++) {
                if (Character.isISOControl(name.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        private static void requireName(String name, String field) {
            if (!isValidName(name)) {
                throw new IllegalArgumentException(
                        field + " must be 1.." + MAX_NAME_BYTES + " UTF-8 bytes without control characters");
            }
        }
    }

    /** Relay accepts a JOIN: the joiner's own id, the room, and everyone already there with their streams. */
    record Joined(long participantId, String room, List<Peer> participants) implements ControlMessage {
        public Joined {
            requireId(participantId, "participantId");
            requireString(room, "room");
            participants = List.copyOf(participants);
            requireCount(participants.size(), "participants");
        }
    }

    /** One participant listed in {@link Joined}. */
    record Peer(long id, String identity, List<StreamInfo> streams) {
        public Peer {
            requireId(id, "id");
            requireString(identity, "identity");
            streams = List.copyOf(streams);
            requireCount(streams.size(), "streams");
        }
    }

    /** One stream of a {@link Peer}: its id and {@link Protocol#KIND_AUDIO} or {@link Protocol#KIND_VIDEO}. */
    record StreamInfo(int streamId, int kind) {
        public StreamInfo {
            requireStreamId(streamId);
            requireKind(kind);
        }
    }

    record ParticipantJoined(long participantId, String identity) implements ControlMessage {
        public ParticipantJoined {
            requireId(participantId, "participantId");
            requireString(identity, "identity");
        }
    }

    record ParticipantLeft(long participantId) implements ControlMessage {
        public ParticipantLeft {
            requireId(participantId, "participantId");
        }
    }

    record StreamStarted(long participantId, int streamId, int kind) implements ControlMessage {
        public StreamStarted {
            requireId(participantId, "participantId");
            requireStreamId(streamId);
            requireKind(kind);
        }
    }

    /**
     * A stream is gone. A publisher may send it for its own stream; the relay then ignores
     * {@code participantId} and uses the authenticated id of the connection.
     */
    record StreamEnded(long participantId, int streamId) implements ControlMessage {
        public StreamEnded {
            requireId(participantId, "participantId");
            requireStreamId(streamId);
        }
    }

    record Leave() implements ControlMessage {
    }

    /**
     * Asks for a keyframe of stream {@code streamId} published by {@code senderId}. When the relay forwards
     * it to that publisher, {@code senderId} is the publisher's own id.
     */
    record KeyframeRequest(long senderId, int streamId) implements ControlMessage {
        public KeyframeRequest {
            requireId(senderId, "senderId");
            requireStreamId(streamId);
        }
    }

    record Ping(long nonce) implements ControlMessage {
    }

    /** Answers a {@link Ping}, echoing its nonce. */
    record Pong(long nonce) implements ControlMessage {
    }

    /**
     * Subscribes to {@code publisherId}'s stream {@code streamId}, or changes the layer wanted of a subscription.
     * For a simulcast source (any of its streams may be named) {@code layer} is the preferred layer, 0 the lowest,
     * or {@link Protocol#LAYER_AUTO}; for a plain stream it must be 0 or {@link Protocol#LAYER_AUTO}.
     */
    record Subscribe(long publisherId, int streamId, int layer) implements ControlMessage {
        public Subscribe {
            requireId(publisherId, "publisherId");
            requireStreamId(streamId);
            requireU8(layer, "layer");
        }
    }

    /** Ends a subscription (naming any stream of a simulcast source ends the source's). */
    record Unsubscribe(long publisherId, int streamId) implements ControlMessage {
        public Unsubscribe {
            requireId(publisherId, "publisherId");
            requireStreamId(streamId);
        }
    }

    /**
     * The streams of one simulcast source, lowest quality first; the first one's id names the source. A publisher
     * declares its own (the relay ignores {@code publisherId} and uses the connection's id); the relay announces
     * every source to the room, the publisher included.
     */
    record Simulcast(long publisherId, List<Integer> streamIds) implements ControlMessage {
        public Simulcast {
            requireId(publisherId, "publisherId");
            streamIds = List.copyOf(streamIds);
            if (streamIds.size() > 0xFF) {
                throw new IllegalArgumentException("layer count must fit a u8: " + streamIds.size());
            }
            streamIds.forEach(ControlMessage::requireStreamId);
        }

        /** The source's id: its lowest layer's stream id (-1 for an empty declaration, which the relay refuses). */
        public int sourceId() {
            return streamIds.isEmpty() ? -1 : streamIds.getFirst();
        }
    }

    /**
     * From the next packet of source {@code sourceId} on, the receiver gets layer {@code layer} (stream
     * {@code streamId}); {@code cause} is a {@link LayerCause} code.
     */
    record Layer(long publisherId, int sourceId, int streamId, int layer, int cause) implements ControlMessage {
        public Layer {
            requireId(publisherId, "publisherId");
            requireStreamId(sourceId);
            requireStreamId(streamId);
            requireU8(layer, "layer");
            requireU8(cause, "cause");
        }
    }

    /** A SUBSCRIBE the relay did not apply; {@code code} is one of {@link ErrorCodes} 130..139. */
    record SubscribeRefused(long publisherId, int streamId, int code, String reason) implements ControlMessage {
        public SubscribeRefused {
            requireId(publisherId, "publisherId");
            requireStreamId(streamId);
            if (code < 0 || code > MAX_U16) {
                throw new IllegalArgumentException("code must be a u16: " + code);
            }
            requireString(reason, "reason");
        }
    }

    /** {@code code} is a {@link DecodeStatus#code()} (1..9) or one of {@link ErrorCodes}. */
    record Error(int code, String reason) implements ControlMessage {
        public Error {
            if (code < 0 || code > MAX_U16) {
                throw new IllegalArgumentException("code must be a u16: " + code);
            }
            requireString(reason, "reason");
        }
    }

    /**
     * The relay will not serve this JOIN here: the client should JOIN again at the target node (docs/PROTOCOL.md,
     * REDIRECT). The relay closes the connection after it. {@code epoch} is the room's ownership epoch (u64);
     * {@code quic} and {@code quicPin} are "" when the target has no QUIC listener or a CA-signed certificate.
     *
     * @param reason {@link #ROOM_ELSEWHERE}, {@link #DRAINING} or {@link #LOAD}; other u8 values are carried as they are
     */
    record Redirect(int reason, long epoch, String node, String ws, String quic, String quicPin)
            implements ControlMessage {
        /** The room's origin is another node. */
        public static final int ROOM_ELSEWHERE = 1;
        /** This node is draining (reserved). */
        public static final int DRAINING = 2;
        /** This node is too loaded (reserved). */
        public static final int LOAD = 3;

        public Redirect {
            requireU8(reason, "reason");
            requireString(node, "node");
            requireString(ws, "ws");
            requireString(quic, "quic");
            requireString(quicPin, "quicPin");
        }

        /** The reason's name: ROOM_ELSEWHERE, DRAINING, LOAD or REASON_n. */
        public static String reasonName(int reason) {
            return switch (reason) {
                case ROOM_ELSEWHERE -> "ROOM_ELSEWHERE";
                case DRAINING -> "DRAINING";
                case LOAD -> "LOAD";
                default -> "REASON_" + reason;
            };
        }
    }

    /**
     * The cluster's serving nodes as the relay knows them from its registry (docs/PROTOCOL.md, NODES): where a client
     * may reconnect when its node is lost. Sent by a relay running with {@code --cluster} after JOINED and what
     * follows it; a later NODES replaces the list.
     */
    record Nodes(List<NodeAddress> nodes) implements ControlMessage {
        public Nodes {
            nodes = List.copyOf(nodes);
            requireCount(nodes.size(), "nodes");
        }
    }

    /**
     * One node listed in {@link Nodes}: its id and its advertised URLs, "" for none ({@code quicPin} is "" when its
     * certificate is CA-signed).
     */
    record NodeAddress(String id, String ws, String quic, String quicPin) {
        public NodeAddress {
            requireString(id, "id");
            requireString(ws, "ws");
            requireString(quic, "quic");
            requireString(quicPin, "quicPin");
        }
    }

    private static void requireId(long id, String field) {
        if (id < 0 || id > MAX_PARTICIPANT_ID) {
            throw new IllegalArgumentException(field + " must be a u32: " + id);
        }
    }

    private static void requireStreamId(int streamId) {
        if (streamId < 0 || streamId > Protocol.MAX_STREAM_ID) {
            throw new IllegalArgumentException("streamId must be a u16: " + streamId);
        }
    }

    private static void requireU8(int value, String field) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException(field + " must be a u8: " + value);
        }
    }

    private static void requireKind(int kind) {
        if (kind != Protocol.KIND_AUDIO && kind != Protocol.KIND_VIDEO) {
            throw new IllegalArgumentException("kind must be audio or video: " + kind);
        }
    }

    private static void requireCount(int count, String field) {
        if (count > MAX_U16) {
            throw new IllegalArgumentException(field + " count must fit a u16: " + count);
        }
    }

    private static void requireString(String s, String field) {
        Objects.requireNonNull(s, field);
        int bytes = utf8Length(s);
        if (bytes < 0) {
            throw new IllegalArgumentException(field + " holds an unpaired surrogate (not encodable as UTF-8)");
        }
        if (bytes > Protocol.MAX_STRING_BYTES) {
            throw new IllegalArgumentException(
                    field + " is " + bytes + " UTF-8 bytes, more than " + Protocol.MAX_STRING_BYTES);
        }
    }

    /** UTF-8 length of {@code s}, or -1 if it holds an unpaired surrogate (which would not round-trip). */
    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(c)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                return -1;
            }
        }
        return bytes;
    }
}
