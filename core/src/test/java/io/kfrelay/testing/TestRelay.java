package io.kfrelay.testing;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.Stat;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.protocol.ControlMessage;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A relay core on a manual clock, and participants with recording sinks. No network. */
public final class TestRelay implements AutoCloseable {
    public final RelayCore core;
    public final ManualClock clock = new ManualClock();

    public TestRelay(RelayConfig config) {
        this.core = RelayCore.start(config, clock);
    }

    public TestRelay() {
        this(RelayConfig.defaults());
    }

    /** Joins and waits until the JOINED (and any replay) has been delivered. */
    public TestPeer join(String room, String identity) {
        RecordingSink sink = new RecordingSink();
        TestPeer peer = new TestPeer(core.join(room, identity, sink), sink);
        settle();
        if (sink.controls(ControlMessage.Joined.class).isEmpty()) {
            throw new AssertionError(identity + " did not get JOINED: " + sink.all());
        }
        return peer;
    }

    /** Joins with {@code grants} and waits until the answer (JOINED or an ERROR) has been delivered. */
    public TestPeer join(String room, String identity, io.kfrelay.room.Grants grants) {
        RecordingSink sink = new RecordingSink();
        TestPeer peer = new TestPeer(core.join(room, identity, grants, sink), sink);
        settle();
        return peer;
    }

    /** Joins with the JOIN option MANUAL_SUBSCRIBE (subscribed to nothing) and waits for JOINED. */
    public TestPeer joinManual(String room, String identity) {
        RecordingSink sink = new RecordingSink();
        TestPeer peer = new TestPeer(core.join(room, identity, io.kfrelay.room.Grants.ALL, true, sink), sink);
        settle();
        if (sink.controls(ControlMessage.Joined.class).isEmpty()) {
            throw new AssertionError(identity + " did not get JOINED: " + sink.all());
        }
        return peer;
    }

    /** Joins with {@code grants} and MANUAL_SUBSCRIBE (a cascade end: Grants.EDGE or Grants.MIRROR), waits for JOINED. */
    public TestPeer joinManual(String room, String identity, io.kfrelay.room.Grants grants) {
        RecordingSink sink = new RecordingSink();
        TestPeer peer = new TestPeer(core.join(room, identity, grants, true, sink), sink);
        settle();
        if (sink.controls(ControlMessage.Joined.class).isEmpty()) {
            throw new AssertionError(identity + " did not get JOINED: " + sink.all());
        }
        return peer;
    }

    /** Joins without waiting. */
    public TestPeer joinAsync(String room, String identity, RecordingSink sink) {
        return new TestPeer(core.join(room, identity, sink), sink);
    }

    /** Waits until every event published so far is processed and no replay is running. */
    public void settle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            do {
                core.sync().get(10, TimeUnit.SECONDS);
                if (core.metrics().stat(Stat.REPLAYS_ACTIVE) == 0) {
                    core.sync().get(10, TimeUnit.SECONDS);
                    return;
                }
                Thread.sleep(1);
            } while (System.nanoTime() < deadline);
        } catch (Exception e) {
            throw new AssertionError("relay did not settle", e);
        }
        throw new AssertionError("replays still running after 10 s");
    }

    public long stat(Stat s) {
        return core.metrics().stat(s);
    }

    public void advance(Duration d) {
        clock.advance(d);
    }

    @Override
    public void close() {
        core.close();
    }
}
