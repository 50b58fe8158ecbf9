package io.kfrelay.room;

import io.kfrelay.cache.RunSlice;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.Protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * What each receiver gets of which stream: its legs ({@link Subscription}), how a new one starts, how one ends. A
 * leg starts the way a JOIN starts: from a replay of what the stream's cache holds, then live, in ring order and
 * gap-free; a leg added while the receiver's replay still runs waits for it to finish, then gets its own. A leg that
 * ends stops at once, and what the receiver's queues still hold of its stream is dropped ({@link Egress#purge}).
 * Also the default: every stream as it starts, for the receivers that did not choose (JOIN without
 * MANUAL_SUBSCRIBE), and plain streams' SUBSCRIBE/UNSUBSCRIBE.
 */
final class Subscriptions {
    private final ReplayHandover handover;
    private final KeyframeRequests keyframes;
    private final Egress egress;
    private final ControlOut control;
    private final EnumCounters<Stat> stats;

    Subscriptions(ReplayHandover handover, KeyframeRequests keyframes, Egress egress, ControlOut control,
                  EnumCounters<Stat> stats) {
        this.handover = handover;
        this.keyframes = keyframes;
        this.egress = egress;
        this.control = control;
        this.stats = stats;
    }

    // ---------------------------------------------------------------- legs

    /** A new leg of {@code receiver} on {@code stream}; it gets nothing until {@link #start}ed. */
    Subscription add(Participant receiver, PublishedStream stream, SourceSubscription source) {
        Subscription leg = new Subscription(stream, receiver, true, source);
        stream.subscribers.add(leg);
        receiver.subscriptions.add(leg);
        if (stream.subscribers.size() == 1) {
            demand(stream, true);
        }
        return leg;
    }

    /**
     * Starts new legs of one receiver: the video ones with something cached from one replay of it (slices of the
     * caches, no copy), the others live (audio) or at their next keyframe (asked for now). A receiver whose replay
     * runs gets them when it is done ({@link #afterReplay}).
     */
    void start(Participant receiver, List<Subscription> legs, long now) {
        if (receiver.replay != null) {
            for (Subscription leg : legs) {
                leg.deferred = true;
                leg.awaitingKeyframe = true;
            }
            return;
        }
        List<RunSlice> slices = null;
        for (Subscription leg : legs) {
            leg.deferred = false;
            PublishedStream s = leg.stream;
            if (!s.isVideo()) {
                leg.awaitingKeyframe = false;
                continue;
            }
            if (s.cache.replayPacketCount() > 0) {
                if (slices == null) {
                    slices = new ArrayList<>(legs.size());
                }
                s.cache.replaySlices(slices);
                leg.awaitingKeyframe = false;
                // Unless the replay ends in a growing GOP or a keyframe still arriving, what follows the replayed
                // keyframe has a gap for this receiver: a fresh keyframe ends it. Asked for once the replay is out:
                // a live keyframe to everyone, requested now, would compete with it.
                if (!s.cache.replayContinuesLive()) {
                    receiver.keyframesAfterReplay.add(s);
                }
            } else {
                leg.awaitingKeyframe = true;
                keyframes.request(s, now);
            }
        }
        if (slices != null) {
            handover.start(receiver, slices);
        }
    }

    void start(Participant receiver, Subscription leg, long now) {
        start(receiver, List.of(leg), now);
    }

    /** The receiver's replay is done: the legs added meanwhile start now, with a replay of their own. */
    void afterReplay(Participant receiver, long now) {
        List<Subscription> waiting = null;
        for (Subscription leg : receiver.subscriptions) {
            if (leg.deferred) {
                if (waiting == null) {
                    waiting = new ArrayList<>(2);
                }
                waiting.add(leg);
            }
        }
        if (waiting != null) {
            start(receiver, waiting, now);
        }
    }

    /**
     * Ends a leg: nothing more of its stream goes to the receiver. With {@code purge}, what its queues still hold of
     * the stream is dropped too (an UNSUBSCRIBE); a layer switch keeps it (the old layer's last frames are whole).
     */
    void remove(Subscription leg, boolean purge) {
        Participant r = leg.receiver;
        leg.stream.subscribers.remove(leg);
        if (leg.stream.subscribers.size() == 0) {
            demand(leg.stream, false);
        }
        r.subscriptions.remove(leg);
        r.keyframesAfterReplay.remove(leg.stream);
        if (purge) {
            egress.purge(r, leg.stream.owner.id, leg.stream.streamId);
        }
    }

    /**
     * Tells the stream's publisher that it got its first receiver, or lost its last (an edge's stand-in acts on it);
     * not when the last goes because the stream ended (nothing to unsubscribe from).
     */
    private void demand(PublishedStream stream, boolean wanted) {
        if (stream.owner.relay && (wanted || stream.owner.streams.get(stream.streamId) == stream)) {
            try {
                stream.owner.sink.demand(stream.streamId, wanted);
            } catch (RuntimeException e) {
                stats.increment(Stat.SINK_ERRORS);
            }
        }
    }

    // ---------------------------------------------------------------- automatic subscription

    /** A joiner that did not choose: every stream of the room that is not a simulcast layer (sources: LayerSwitches). */
    List<Subscription> addAll(Participant joiner, Room room) {
        List<Subscription> legs = new ArrayList<>(room.streams.size());
        for (PublishedStream s : room.streams) {
            if (s.source == null) {
                legs.add(addPlain(joiner, s));
            }
        }
        return legs;
    }

    /** A plain stream started: every member that did not choose gets it, video from its first keyframe. */
    void streamStarted(PublishedStream s) {
        for (Participant other : s.owner.room.members) {
            if (other != s.owner && other.autoSubscribe) {
                Subscription leg = addPlain(other, s);
                leg.awaitingKeyframe = s.isVideo();
                leg.deferred = false;
            }
        }
    }

    private Subscription addPlain(Participant receiver, PublishedStream s) {
        Subscription leg = add(receiver, s, null);
        receiver.streamSubscriptions.put(Subscription.key(s.owner.id, s.streamId), leg);
        return leg;
    }

    /** A stream ended: its legs go (the receivers hear STREAM_ENDED, which says all). */
    void streamEnded(PublishedStream s) {
        for (int i = s.subscribers.size() - 1; i >= 0; i--) {
            Subscription leg = s.subscribers.get(i);
            if (leg.source == null) {
                leg.receiver.streamSubscriptions.remove(Subscription.key(s.owner.id, s.streamId));
            } else if (leg.source.leg == leg) {
                leg.source.leg = null;
            }
            remove(leg, false);
        }
    }

    /** The receiver leaves: every leg goes. */
    void removeAll(Participant receiver) {
        for (int i = receiver.subscriptions.size() - 1; i >= 0; i--) {
            Subscription leg = receiver.subscriptions.get(i);
            leg.stream.subscribers.remove(leg);
            if (leg.stream.subscribers.size() == 0) {
                demand(leg.stream, false);
            }
        }
        receiver.subscriptions.clear();
        receiver.streamSubscriptions.clear();
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE of a plain stream

    /** SUBSCRIBE to a plain stream: a new leg, started from the cache; an existing one is left as it is. */
    void subscribe(Participant receiver, PublishedStream s, int layer, long now) {
        if (layer != 0 && layer != Protocol.LAYER_AUTO) {
            refuse(receiver, s.owner.id, s.streamId, ErrorCodes.NO_SUCH_LAYER,
                    "stream " + s.streamId + " is not simulcast: its one layer is 0");
            return;
        }
        if (receiver.streamSubscriptions.containsKey(Subscription.key(s.owner.id, s.streamId))) {
            return; // nothing changes
        }
        stats.increment(Stat.SUBSCRIBES);
        start(receiver, addPlain(receiver, s), now);
    }

    /** UNSUBSCRIBE of a plain stream; not subscribed is fine (idempotent). */
    void unsubscribe(Participant receiver, long publisherId, int streamId) {
        Subscription leg = receiver.streamSubscriptions.remove(Subscription.key(publisherId, streamId));
        if (leg != null) {
            stats.increment(Stat.UNSUBSCRIBES);
            remove(leg, true);
        }
    }

    /** Answers a SUBSCRIBE the relay does not apply; the connection stays open. */
    void refuse(Participant receiver, long publisherId, int streamId, int code, String reason) {
        stats.increment(Stat.SUBSCRIBES_REFUSED);
        egress.send(receiver, control.subscribeRefused(publisherId, streamId, code, reason));
    }
}
