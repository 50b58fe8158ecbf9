package io.kfrelay.e2e;

import io.kfrelay.client.ClientListener;
import io.kfrelay.client.MediaPacket;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A listener that writes down everything a test client receives (headers only: payloads are not kept). */
class Received implements ClientListener {

    /** One received media packet. {@code arrivalNanos} is System.nanoTime() on arrival. */
    record Packet(long sender, int stream, int kind, int flags, long seq, long timestamp, int payloadBytes,
                  long arrivalNanos) implements PacketFlags {
    }

    /** A LAYER message: from now on this layer of the source. */
    record Layer(long publisher, int source, int stream, int layer, LayerCause cause, long arrivalNanos) {
    }

    /** A SUBSCRIBE_REFUSED. */
    record Refusal(long publisher, int stream, int code, String reason) {
    }

    /**
     * A control event, as text: "joined 3", "left 3", "started 3/1 video", "ended 3/1", "keyframe-request 1",
     * "simulcast 3 [1, 2, 3]".
     */
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Layer> layers = new CopyOnWriteArrayList<>();
    final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Packet> packets = new ArrayList<>();
    private final Map<Long, String> identities = new ConcurrentHashMap<>();

    @Override
    public void onMedia(MediaPacket p) {
        Packet copy = new Packet(p.senderId(), p.streamId(), p.kind(), p.flags(), p.sequence(), p.timestamp(),
                p.payloadLength(), System.nanoTime());
        synchronized (packets) {
            packets.add(copy);
        }
    }

    @Override
    public void onParticipantJoined(long id, String identity) {
        identities.put(id, identity);
        events.add("joined " + id);
    }

    @Override
    public void onParticipantLeft(long id) {
        events.add("left " + id);
    }

    @Override
    public void onStreamStarted(long id, int streamId, int kind) {
        events.add("started " + id + "/" + streamId + " " + Protocol.kindName(kind));
    }

    @Override
    public void onStreamEnded(long id, int streamId) {
        events.add("ended " + id + "/" + streamId);
    }

    @Override
    public void onKeyframeRequest(int streamId) {
        events.add("keyframe-request " + streamId);
    }

    @Override
    public void onSimulcast(long publisherId, List<Integer> streamIds) {
        events.add("simulcast " + publisherId + " " + streamIds);
    }

    @Override
    public void onLayer(long publisherId, int sourceId, int streamId, int layer, LayerCause cause) {
        layers.add(new Layer(publisherId, sourceId, streamId, layer, cause, System.nanoTime()));
    }

    @Override
    public void onSubscribeRefused(long publisherId, int streamId, int code, String reason) {
        refusals.add(new Refusal(publisherId, streamId, code, reason));
    }

    @Override
    public void onError(Throwable error) {
        errors.add(error);
    }

    List<Packet> packets() {
        synchronized (packets) {
            return List.copyOf(packets);
        }
    }

    int packetCount() {
        synchronized (packets) {
            return packets.size();
        }
    }

    /** The packets of one (sender, stream), in arrival order. */
    List<Packet> stream(long sender, int stream) {
        return packets().stream().filter(p -> p.sender() == sender && p.stream() == stream).toList();
    }

    /** Packets grouped by "sender/stream", each list in arrival order. */
    Map<String, List<Packet>> byStream() {
        return packets().stream().collect(Collectors.groupingBy(p -> p.sender() + "/" + p.stream(),
                TreeMap::new, Collectors.toList()));
    }

    long count(Predicate<Packet> which) {
        return packets().stream().filter(which).count();
    }
}
