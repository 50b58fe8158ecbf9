package io.kfrelay.client;

import io.kfrelay.protocol.ControlMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a session asked the relay for that a reconnected session must ask again: its SIMULCAST declarations, and (with
 * manual subscription) its SUBSCRIBEs. A new relay gives every participant a new id, so subscriptions are kept by the
 * publisher's <em>identity</em> and stream id, and sent again with the publisher's new id once it is in the new
 * session's room (in its JOINED, or when it starts the stream there). Thread-safe: the client's calls come from any
 * thread, the relay's messages from the I/O thread.
 */
final class RejoinPlan {
    /** A subscription as the publisher's identity and stream id. */
    private record Wanted(String identity, int streamId) {
    }

    /** Most subscriptions remembered, as many as a relay lets one session hold pending and more: bounded memory. */
    static final int MAX_REMEMBERED = 4096;

    /** The room's participants in the current session: id to identity. */
    private final Map<Long, String> identities = new ConcurrentHashMap<>();
    private final Map<Wanted, Integer> subscriptions = new ConcurrentHashMap<>();
    private final Map<Integer, List<Integer>> simulcast = new ConcurrentHashMap<>();
    /** Subscriptions sent again in the current session (each once). */
    private final Set<Wanted> resent = ConcurrentHashMap.newKeySet();

    /** A (new) session's JOINED: the room as it is now. */
    void joined(ControlMessage.Joined joined) {
        identities.clear();
        resent.clear();
        for (ControlMessage.Peer p : joined.participants()) {
            identities.put(p.id(), p.identity());
        }
    }

    void participantJoined(long id, String identity) {
        identities.put(id, identity);
    }

    void participantLeft(long id) {
        identities.remove(id);
    }

    void subscribed(long publisherId, int streamId, int layer) {
        String identity = identities.get(publisherId);
        if (identity != null && (subscriptions.size() < MAX_REMEMBERED
                || subscriptions.containsKey(new Wanted(identity, streamId)))) {
            subscriptions.put(new Wanted(identity, streamId), layer);
            resent.add(new Wanted(identity, streamId)); // asked in this session: nothing to send again here
        }
    }

    void unsubscribed(long publisherId, int streamId) {
        String identity = identities.get(publisherId);
        if (identity != null) {
            subscriptions.remove(new Wanted(identity, streamId));
        }
    }

    void declaredSimulcast(List<Integer> streamIds) {
        simulcast.put(streamIds.getFirst(), List.copyOf(streamIds));
    }

    /** The SIMULCAST declarations to send again, before any media of the new session. */
    List<ControlMessage.Simulcast> simulcastDeclarations() {
        return simulcast.values().stream().map(ids -> new ControlMessage.Simulcast(0, ids)).toList();
    }

    /** The SUBSCRIBEs to send again right after the new session's JOINED: streams of publishers already there. */
    List<ControlMessage.Subscribe> subscriptionsIn(ControlMessage.Joined joined) {
        List<ControlMessage.Subscribe> out = new ArrayList<>();
        for (ControlMessage.Peer p : joined.participants()) {
            for (ControlMessage.StreamInfo s : p.streams()) {
                ControlMessage.Subscribe sub = resend(p.id(), s.streamId());
                if (sub != null) {
                    out.add(sub);
                }
            }
        }
        return out;
    }

    /** A stream started in the new session: the SUBSCRIBE to send again for it, or null. */
    ControlMessage.Subscribe onStreamStarted(long publisherId, int streamId) {
        return resend(publisherId, streamId);
    }

    private ControlMessage.Subscribe resend(long publisherId, int streamId) {
        String identity = identities.get(publisherId);
        if (identity == null) {
            return null;
        }
        Wanted w = new Wanted(identity, streamId);
        Integer layer = subscriptions.get(w);
        if (layer == null || !resent.add(w)) {
            return null;
        }
        return new ControlMessage.Subscribe(publisherId, streamId, layer);
    }
}
