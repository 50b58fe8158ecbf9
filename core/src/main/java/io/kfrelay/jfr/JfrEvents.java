package io.kfrelay.jfr;

import io.kfrelay.metrics.KeyframeReject;
import jdk.jfr.EventType;

/**
 * The relay's own Flight Recorder events, so that {@code jcmd <pid> JFR.start} tells its story: joins, leaves,
 * replays and keyframes. Each method first asks whether a recording wants the event (one field read), so with
 * no recording running nothing is allocated and nothing else happens. Called by the shard consumer.
 */
public final class JfrEvents {
    private static final EventType JOINED = EventType.getEventType(ParticipantJoinedEvent.class);
    private static final EventType LEFT = EventType.getEventType(ParticipantLeftEvent.class);
    private static final EventType REPLAY = EventType.getEventType(ReplayEvent.class);
    private static final EventType PROMOTED = EventType.getEventType(KeyframePromotedEvent.class);
    private static final EventType REJECTED = EventType.getEventType(KeyframeRejectedEvent.class);

    private JfrEvents() {
    }

    public static void participantJoined(String room, int participantId, String identity, int shard) {
        if (JOINED.isEnabled()) {
            ParticipantJoinedEvent e = new ParticipantJoinedEvent();
            e.room = room;
            e.participantId = participantId;
            e.identity = identity;
            e.shard = shard;
            e.commit();
        }
    }

    public static void participantLeft(String room, int participantId, String identity) {
        if (LEFT.isEnabled()) {
            ParticipantLeftEvent e = new ParticipantLeftEvent();
            e.room = room;
            e.participantId = participantId;
            e.identity = identity;
            e.commit();
        }
    }

    public static void replay(String room, int participantId, int packets, long bytes, long durationNanos, int queued) {
        if (REPLAY.isEnabled()) {
            ReplayEvent e = new ReplayEvent();
            e.room = room;
            e.participantId = participantId;
            e.packets = packets;
            e.bytes = bytes;
            e.replayDuration = durationNanos;
            e.queued = queued;
            e.commit();
        }
    }

    public static void keyframePromoted(String room, int senderId, int streamId, int packets, long bytes,
                                        long assemblyNanos) {
        if (PROMOTED.isEnabled()) {
            KeyframePromotedEvent e = new KeyframePromotedEvent();
            e.room = room;
            e.senderId = senderId;
            e.streamId = streamId;
            e.packets = packets;
            e.bytes = bytes;
            e.assembly = assemblyNanos;
            e.commit();
        }
    }

    public static void keyframeRejected(String room, int senderId, int streamId, KeyframeReject reason) {
        if (REJECTED.isEnabled()) {
            KeyframeRejectedEvent e = new KeyframeRejectedEvent();
            e.room = room;
            e.senderId = senderId;
            e.streamId = streamId;
            e.reason = reason.name();
            e.commit();
        }
    }
}
