package io.kfrelay.room;

import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.protocol.LayerCause;
import io.kfrelay.protocol.Protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Simulcast: which layer of each source every subscriber gets, and when it changes. A receiver gets exactly one layer
 * of a source at a time. A change (a new preference, auto's congestion or recovery, a layer starting or ending) is a
 * pending switch until its moment, which comes when both hold:
 * <ul>
 *   <li>the new layer has something to replay: its cached keyframe (keyframe mode) or GOP (gop mode), or the
 *       keyframe it is assembling right now. Then the switch is served from the cache at once, with no keyframe
 *       request; with nothing cached the relay asks the publisher for one and the switch waits for it;</li>
 *   <li>the old layer is between frames for this receiver, so the last frame of the old layer it gets is whole.</li>
 * </ul>
 * At that moment, in ring order, the receiver's leg leaves the old layer's stream, the receiver is told (LAYER), and
 * a new leg starts on the new layer exactly as a subscription does ({@link Subscriptions#start}): the replay, then
 * live, gap-free. Only if the new layer's cache cannot take its keyframes at all (larger than the cap) is the switch
 * made live at the layer's next keyframe start, wherever the old layer is.
 */
final class LayerSwitches {
    private final Subscriptions subscriptions;
    private final KeyframeRequests keyframes;
    private final Egress egress;
    private final ControlOut control;
    private final AutoLayer autoLayer;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<LayerCause> switches;

    LayerSwitches(Subscriptions subscriptions, KeyframeRequests keyframes, Egress egress, ControlOut control,
                  AutoLayer autoLayer, EnumCounters<Stat> stats, EnumCounters<LayerCause> switches) {
        this.subscriptions = subscriptions;
        this.keyframes = keyframes;
        this.egress = egress;
        this.control = control;
        this.autoLayer = autoLayer;
        this.stats = stats;
        this.switches = switches;
    }

    // ---------------------------------------------------------------- sources

    /**
     * A publisher's SIMULCAST declaration (its session has checked the layer count, duplicates and earlier
     * declarations). Null when accepted: the room hears of the source, the publisher included, and every member
     * that did not choose subscribes to it (auto layer). Otherwise the reason to refuse it.
     */
    String declare(Participant publisher, int[] streamIds) {
        for (int id : streamIds) {
            if (publisher.streams.containsKey(id)) {
                return "stream " + id + " has already started: declare a simulcast source before publishing its layers";
            }
            if (publisher.sourcesByStream.containsKey(id)) {
                return "stream " + id + " is already a layer of a simulcast source";
            }
        }
        SimulcastSource source = new SimulcastSource(publisher, streamIds);
        publisher.sources.add(source);
        for (int id : streamIds) {
            publisher.sourcesByStream.put(id, source);
        }
        stats.increment(Stat.SOURCES);
        for (Participant member : publisher.room.members) {
            egress.send(member, control.simulcast(publisher.id, streamIds));
            if (member != publisher && member.autoSubscribe) {
                subscribe(member, source, Protocol.LAYER_AUTO);
            }
        }
        return null;
    }

    /** What a joiner hears of the room's sources, after JOINED. */
    void announceTo(Participant joiner, Room room) {
        for (Participant p : room.members) {
            for (SimulcastSource source : p.sources) {
                egress.send(joiner, control.simulcast(p.id, source.streamIds));
            }
        }
    }

    /**
     * A joiner that did not choose: every source of the room, auto layer; returns the legs to start. A joiner gets a
     * picture at once: when the layer it wants has nothing cached, it starts on the best lower layer that has, and
     * moves up at the wanted layer's next keyframe.
     */
    List<Subscription> addAll(Participant joiner, Room room, long now) {
        List<Subscription> legs = new ArrayList<>();
        for (Participant p : room.members) {
            if (p == joiner) {
                continue;
            }
            for (SimulcastSource source : p.sources) {
                SourceSubscription s = subscribe(joiner, source, Protocol.LAYER_AUTO);
                int target = source.bestStarted(s.wanted());
                if (target < 0) {
                    continue;
                }
                int first = source.layers[target].cache.replayPacketCount() > 0 ? target : source.servableBelow(target);
                s.pendingCause = LayerCause.REQUESTED;
                s.pendingWaited = false;
                legs.add(complete(s, source.layers[first < 0 ? target : first]));
                if (first >= 0 && first != target) {
                    reevaluate(s, LayerCause.REQUESTED, now); // waits for the wanted layer's keyframe
                }
            }
        }
        return legs;
    }

    /** The publisher leaves: its sources go, and every subscription to them. */
    void removePublisher(Participant publisher) {
        for (SimulcastSource source : publisher.sources) {
            for (int i = source.subscribers.size() - 1; i >= 0; i--) {
                SourceSubscription s = source.subscribers.get(i);
                s.receiver.sourceSubscriptions.remove(Subscription.key(publisher.id, source.sourceId()));
                drop(s, false);
            }
            source.subscribers.clear();
            stats.add(Stat.SOURCES, -1);
        }
        publisher.sources.clear();
        publisher.sourcesByStream.clear();
    }

    /** The receiver leaves: its source subscriptions go (its legs go with {@link Subscriptions#removeAll}). */
    void removeReceiver(Participant receiver) {
        for (SourceSubscription s : receiver.sourceSubscriptions.values()) {
            s.source.subscribers.remove(s);
            clearPending(s);
        }
        receiver.sourceSubscriptions.clear();
    }

    // ---------------------------------------------------------------- SUBSCRIBE / UNSUBSCRIBE of a source

    /** SUBSCRIBE to a source (naming any of its streams): a new subscription, or a new preference. */
    void subscribe(Participant receiver, SimulcastSource source, int layer, long now) {
        if (layer != Protocol.LAYER_AUTO && layer >= source.layerCount()) {
            subscriptions.refuse(receiver, source.owner.id, source.sourceId(), ErrorCodes.NO_SUCH_LAYER,
                    "source " + source.sourceId() + " has layers 0.." + source.top() + " (or auto, 255), not " + layer);
            return;
        }
        SourceSubscription s = receiver.sourceSubscriptions.get(Subscription.key(source.owner.id, source.sourceId()));
        if (s != null && s.preference == layer) {
            return; // nothing changes
        }
        stats.increment(Stat.SUBSCRIBES);
        if (s == null) {
            s = subscribe(receiver, source, layer);
        } else {
            s.preference = layer;
            s.ceiling = source.top(); // auto starts again from the top; a fixed layer is what it says
        }
        reevaluate(s, LayerCause.REQUESTED, now);
    }

    private SourceSubscription subscribe(Participant receiver, SimulcastSource source, int layer) {
        SourceSubscription s = new SourceSubscription(source, receiver, layer, autoLayer.initialUpAfterNanos());
        source.subscribers.add(s);
        receiver.sourceSubscriptions.put(Subscription.key(source.owner.id, source.sourceId()), s);
        return s;
    }

    /** UNSUBSCRIBE of a source: its layer stops at once and what was queued of it is dropped. */
    void unsubscribe(Participant receiver, SimulcastSource source) {
        SourceSubscription s = receiver.sourceSubscriptions.remove(Subscription.key(source.owner.id, source.sourceId()));
        if (s != null) {
            stats.increment(Stat.UNSUBSCRIBES);
            source.subscribers.remove(s);
            drop(s, true);
        }
    }

    /**
     * Ends a source subscription. With {@code purge} (an UNSUBSCRIBE) the receiver's queues drop what they still hold
     * of every layer, not only the one sent now: after a recent switch the old layer's last frames may still wait.
     */
    private void drop(SourceSubscription s, boolean purge) {
        clearPending(s);
        if (s.leg != null) {
            subscriptions.remove(s.leg, false);
            s.leg = null;
        }
        if (purge) {
            for (int streamId : s.source.streamIds) {
                egress.purge(s.receiver, s.source.owner.id, streamId);
            }
        }
    }

    // ---------------------------------------------------------------- layers starting and ending

    /**
     * A layer's first packet, before it is forwarded: subscribers that get no layer of the source yet and want this
     * one start on it live, from this packet if it starts a keyframe (as receivers of a plain stream do when it
     * starts), not through a replay each.
     */
    void layerStarting(PublishedStream layer, boolean keyframeStart, long now) {
        SimulcastSource source = layer.source;
        source.layers[layer.layer] = layer;
        boolean first = false;
        for (int i = source.subscribers.size() - 1; i >= 0; i--) {
            SourceSubscription s = source.subscribers.get(i);
            if (s.leg == null && source.bestStarted(s.wanted()) == layer.layer) {
                s.pendingCause = s.lastLayer < 0 ? LayerCause.REQUESTED : LayerCause.AVAILABILITY;
                s.pendingWaited = !keyframeStart;
                complete(s, layer); // a leg waiting for a keyframe start: this packet, or the next one
                first = true;
            }
        }
        if (first && !keyframeStart) {
            keyframes.request(layer, now);
        }
    }

    /** After a layer's first packet was cached and forwarded: subscribers on another layer that want this one move. */
    void layerStarted(PublishedStream layer, long now) {
        SimulcastSource source = layer.source;
        for (int i = source.subscribers.size() - 1; i >= 0; i--) {
            SourceSubscription s = source.subscribers.get(i);
            if (s.leg != null) {
                reevaluate(s, LayerCause.AVAILABILITY, now);
            }
        }
    }

    /** A layer's stream ends (its legs are gone already): its receivers move to another layer. */
    void layerEnded(PublishedStream layer, long now) {
        SimulcastSource source = layer.source;
        if (source.layers[layer.layer] == layer) {
            source.layers[layer.layer] = null;
        }
        for (int i = layer.switchingHere.size() - 1; i >= 0; i--) {
            clearPending(layer.switchingHere.get(i));
        }
        if (source.owner.sources.contains(source)) { // not when the publisher is leaving
            for (int i = source.subscribers.size() - 1; i >= 0; i--) {
                reevaluate(source.subscribers.get(i), LayerCause.AVAILABILITY, now);
            }
        }
    }

    // ---------------------------------------------------------------- fan-out hooks (per frame, not per packet)

    /**
     * A keyframe starts on {@code layer} and its cache did not take it (larger than the cap): the switches waiting
     * for this layer are made live here, before the packet is forwarded, since nothing of it will be replayable.
     */
    void keyframeNotCached(PublishedStream layer) {
        for (int i = layer.switchingHere.size() - 1; i >= 0; i--) {
            SourceSubscription s = layer.switchingHere.get(i);
            Subscription leg = complete(s, layer);
            leg.awaitingKeyframe = true; // this very packet starts it
        }
    }

    /**
     * After a packet of a layer was forwarded: switches waiting for this layer to be replayable may complete; at a
     * frame end, the layer's receivers are between frames: their pending switches may complete, and auto looks at
     * their backlog.
     */
    void afterPacket(PublishedStream layer, boolean frameEnd, long now) {
        if (!layer.switchingHere.isEmpty() && layer.cache.replayPacketCount() > 0) {
            for (int i = layer.switchingHere.size() - 1; i >= 0; i--) {
                tryComplete(layer.switchingHere.get(i), now);
            }
        }
        if (!frameEnd) {
            return;
        }
        SubscriberList legs = layer.subscribers;
        int lowest = layer.source.lowestStarted();
        for (int i = legs.size() - 1; i >= 0; i--) {
            Subscription leg = legs.get(i);
            SourceSubscription s = leg.source;
            if (s == null) {
                continue;
            }
            if (s.pending != null) {
                tryComplete(s, now);
            } else if (s.auto() && !leg.awaitingKeyframe && leg.receiver.replay == null) {
                auto(s, layer, lowest, now);
            }
        }
    }

    private void auto(SourceSubscription s, PublishedStream layer, int lowest, long now) {
        SimulcastSource source = s.source;
        int current = layer.layer;
        long backlog = s.receiver.sink.unsentBytes();
        switch (autoLayer.decide(s, backlog, now, current > lowest, s.ceiling < source.top())) {
            case DOWN -> {
                s.ceiling = Math.max(0, current - 1);
                reevaluate(s, LayerCause.CONGESTION, now);
            }
            case UP -> {
                s.ceiling = Math.min(source.top(), s.ceiling + 1);
                reevaluate(s, LayerCause.RECOVERED, now);
            }
            case STAY -> {
            }
        }
    }

    // ---------------------------------------------------------------- switching

    /**
     * Whether the layer this receiver should get is the one it gets; if not, a switch is asked for. A receiver that
     * gets no layer of the source yet, and whose wanted layer has nothing cached, starts at once on the best lower
     * layer that has (a picture now), and moves up at the wanted layer's next keyframe.
     */
    private void reevaluate(SourceSubscription s, LayerCause cause, long now) {
        int target = s.source.bestStarted(s.wanted());
        if (target < 0 || target == s.layer()) {
            clearPending(s);
            return;
        }
        PublishedStream layer = s.source.layers[target];
        if (s.leg == null && layer.cache.replayPacketCount() == 0) {
            int meanwhile = s.source.servableBelow(target);
            if (meanwhile >= 0) {
                clearPending(s);
                s.pendingCause = cause;
                s.pendingWaited = false;
                subscriptions.start(s.receiver, complete(s, s.source.layers[meanwhile]), now);
            }
        }
        if (s.pending == layer) {
            return;
        }
        clearPending(s);
        s.pending = layer;
        s.pendingCause = cause;
        layer.switchingHere.add(s);
        s.pendingWaited = layer.cache.replayPacketCount() == 0;
        if (s.pendingWaited) {
            keyframes.request(layer, now);
        }
        tryComplete(s, now);
    }

    /** Completes a pending switch if its moment has come (see the class comment). */
    private void tryComplete(SourceSubscription s, long now) {
        PublishedStream layer = s.pending;
        if (layer.cache.replayPacketCount() == 0) {
            return;
        }
        Subscription old = s.leg;
        if (old != null && !old.awaitingKeyframe && old.stream.midFrame) {
            return;
        }
        subscriptions.start(s.receiver, complete(s, layer), now);
    }

    /** The receiver's leg moves to {@code layer}: returns the new leg, not yet started. */
    private Subscription complete(SourceSubscription s, PublishedStream layer) {
        LayerCause cause = s.pendingCause;
        boolean waited = s.pendingWaited;
        clearPending(s);
        if (s.leg != null) {
            subscriptions.remove(s.leg, false);
        }
        s.leg = subscriptions.add(s.receiver, layer, s);
        if (s.lastLayer >= 0) {
            switches.increment(cause);
            stats.increment(waited ? Stat.LAYER_SWITCHES_WAITED : Stat.LAYER_SWITCHES_FROM_CACHE);
        }
        s.lastLayer = layer.layer;
        SimulcastSource source = s.source;
        egress.send(s.receiver, control.layer(source.owner.id, source.sourceId(), layer.streamId, layer.layer, cause));
        return s.leg;
    }

    private static void clearPending(SourceSubscription s) {
        if (s.pending != null) {
            s.pending.switchingHere.remove(s);
            s.pending = null;
            s.pendingCause = null;
        }
    }
}
