package io.kfrelay.testing;

import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.HashMap;
import java.util.Map;

/**
 * A participant driven by a test: it publishes packets the way a client packetizes frames (per-stream
 * sequence numbers, FRAME_START/FRAME_END, KEYFRAME on every packet of a keyframe) and records what it gets.
 * Payloads encode (stream, seq) so tests can check they arrive untouched.
 */
public final class TestPeer {
    public static final int PAYLOAD = 1000;

    public final RelaySession session;
    public final RecordingSink sink;
    private final Map<Integer, Long> nextSeq = new HashMap<>();

    TestPeer(RelaySession session, RecordingSink sink) {
        this.session = session;
        this.sink = sink;
    }

    public int id() {
        return session.participantId();
    }

    /** A keyframe of {@code packets} packets on a video stream. */
    public void keyframe(int stream, int packets) {
        for (int i = 0; i < packets; i++) {
            int flags = Protocol.FLAG_KEYFRAME
                    | (i == 0 ? Protocol.FLAG_FRAME_START : 0)
                    | (i == packets - 1 ? Protocol.FLAG_FRAME_END : 0);
            send(stream, Protocol.KIND_VIDEO, flags, PAYLOAD);
        }
    }

    /** The first {@code sent} packets of a keyframe of {@code total} packets (no FRAME_END yet). */
    public void keyframeStart(int stream, int sent, int total) {
        for (int i = 0; i < sent; i++) {
            int flags = Protocol.FLAG_KEYFRAME | (i == 0 ? Protocol.FLAG_FRAME_START : 0)
                    | (i == total - 1 ? Protocol.FLAG_FRAME_END : 0);
            send(stream, Protocol.KIND_VIDEO, flags, PAYLOAD);
        }
    }

    /** Packets {@code from}..{@code total-1} of a keyframe begun with {@link #keyframeStart}. */
    public void keyframeRest(int stream, int from, int total) {
        for (int i = from; i < total; i++) {
            int flags = Protocol.FLAG_KEYFRAME | (i == total - 1 ? Protocol.FLAG_FRAME_END : 0);
            send(stream, Protocol.KIND_VIDEO, flags, PAYLOAD);
        }
    }

    /** A one-packet delta frame on a video stream. */
    public void delta(int stream) {
        send(stream, Protocol.KIND_VIDEO, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, PAYLOAD);
    }

    /** One audio packet (a whole frame). */
    public void audio(int stream) {
        send(stream, Protocol.KIND_AUDIO, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, 160);
    }

    /** Sends the next packet of a stream with the given flags. */
    public DecodeStatus send(int stream, int kind, int flags, int payload) {
        long seq = nextSeq.getOrDefault(stream, 0L);
        nextSeq.put(stream, seq + 1);
        return sendRaw(stream, kind, flags, seq, payload, 0);
    }

    /** Skips sequence numbers of a stream, as if packets were lost on the way. */
    public void lose(int stream, int packets) {
        nextSeq.merge(stream, (long) packets, Long::sum);
    }

    /** Sends a packet exactly as given (sender id as written by a client that lies). */
    public DecodeStatus sendRaw(int stream, int kind, int flags, long seq, int payload, int claimedSender) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(MediaHeader.LENGTH + payload);
        MediaHeader.write(buf, flags, kind, claimedSender, stream, seq, seq * 3000);
        for (int i = 0; i < payload; i++) {
            buf.writeByte(payloadByte(stream, seq, i));
        }
        return session.publish(buf);
    }

    /** SUBSCRIBE to {@code publisher}'s stream (any stream of a simulcast source) with a layer (255: auto). */
    public void subscribe(TestPeer publisher, int stream, int layer) {
        if (!session.subscribe(publisher.id(), stream, layer)) {
            throw new AssertionError("subscription change refused: too many pending");
        }
    }

    public void subscribe(TestPeer publisher, int stream) {
        subscribe(publisher, stream, Protocol.LAYER_AUTO);
    }

    public void unsubscribe(TestPeer publisher, int stream) {
        if (!session.unsubscribe(publisher.id(), stream)) {
            throw new AssertionError("subscription change refused: too many pending");
        }
    }

    /** SIMULCAST: {@code streams} (lowest quality first) are one source's layers; fails on a session refusal. */
    public void simulcast(int... streams) {
        String refusal = session.declareSimulcast(java.util.Arrays.stream(streams).boxed().toList());
        if (refusal != null) {
            throw new AssertionError(refusal);
        }
    }

    public long nextSeq(int stream) {
        return nextSeq.getOrDefault(stream, 0L);
    }

    /** The payload byte {@code i} of packet {@code seq} of {@code stream}: what the receiver must see. */
    public static byte payloadByte(int stream, long seq, int i) {
        return (byte) (stream * 31 + seq * 7 + i);
    }
}
