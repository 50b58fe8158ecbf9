package io.kfrelay.cluster;

import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.telemetry.MetricSource;
import io.kfrelay.telemetry.MetricWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.LongAdder;

/**
 * Ends the sessions a cluster node may no longer serve in a room: each gets a last message (a REDIRECT to where the
 * room is served now, or an ERROR when there is nowhere to send it) and is closed, through the core (the same path as
 * an operator's kick). Why: the room's claim went to another node (a paused or partitioned owner that came back), or
 * the node drains. Counted per reason ({@code kfrelay_cluster_sessions_moved_total}).
 */
public final class SessionMover implements MetricSource {
    private static final Logger LOG = LoggerFactory.getLogger(SessionMover.class);

    /** Ends every session of a room with a last message; returns how many it ended ({@code RelayCore::evictRoom}). */
    @FunctionalInterface
    public interface RoomEnder {
        int endRoom(String room, ControlMessage last);
    }

    /** Why sessions were moved: the metric's {@code reason} label. */
    public enum Why {
        /** Another node holds the room's claim now. */
        ROOM_LOST,
        /** This node drains. */
        DRAINING;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final RoomEnder ender;
    private final LongAdder lost = new LongAdder();
    private final LongAdder drained = new LongAdder();

    public SessionMover(RoomEnder ender) {
        this.ender = ender;
    }

    /** Ends {@code room}'s sessions here with {@code last}; returns how many there were. */
    public int move(String room, ControlMessage last, Why why) {
        int moved = ender.endRoom(room, last);
        if (moved > 0) {
            (why == Why.ROOM_LOST ? lost : drained).add(moved);
            LOG.info("event=cluster_sessions_moved room={} sessions={} why={} {}", room, moved, why.label(),
                    switch (last) {
                        case ControlMessage.Redirect r -> "to=" + r.node() + " epoch=" + r.epoch();
                        case ControlMessage.Error e -> "error=" + e.code();
                        default -> "";
                    });
        }
        return moved;
    }

    /** Sessions moved so far for {@code why}. */
    public long moved(Why why) {
        return (why == Why.ROOM_LOST ? lost : drained).sum();
    }

    @Override
    public void collect(MetricWriter out) {
        for (Why why : Why.values()) {
            out.counter("kfrelay_cluster_sessions_moved_total", "Sessions a cluster node ended with a REDIRECT (or "
                    + "ERROR 140) because their room is served elsewhere now, per reason", moved(why), "reason",
                    why.label());
        }
    }
}
