package io.kfrelay.perf.load;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The harness's client I/O threads (NIO: the clients' channels are NIO): a group shared by the receiving clients,
 * one more thread for publishers that receive little, so their frame cadence does not wait behind a flood
 * of received packets, and one for the late joiners that join one at a time, so what their late join measures
 * is the relay and not the harness still decoding the room's last keyframe for a hundred other subscribers
 * (a real joiner is a device of its own). Each loop is a {@link Slot} with its own {@link ThreadTally} and {@link PublishScheduler};
 * a client is pinned to one slot (its options name that single loop), so its callbacks record into that
 * slot's tally without any lookup, and its publishing runs on that same thread.
 */
public final class ClientLoops implements AutoCloseable {

    /** One client I/O thread and what is recorded on it. */
    public record Slot(int index, EventLoop loop, ThreadTally tally, PublishScheduler scheduler) {
    }

    private final MultiThreadIoEventLoopGroup group;
    private final MultiThreadIoEventLoopGroup publisherGroup;
    private final List<Slot> slots = new ArrayList<>();
    private final MultiThreadIoEventLoopGroup lateJoinerGroup;
    private final Slot publisherSlot;
    private final Slot lateJoinerSlot;
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param threads     receiving threads (the publisher and late-joiner threads come on top)
     * @param stopAtNanos hard deadline after which no synthetic frame is sent any more
     */
    public ClientLoops(int threads, long stopAtNanos) {
        group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("perf-client", true),
                NioIoHandler.newFactory());
        publisherGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("perf-pub", true),
                NioIoHandler.newFactory());
        for (EventExecutor e : group) {
            slots.add(slot(slots.size(), (EventLoop) e, stopAtNanos));
        }
        lateJoinerGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("perf-join", true),
                NioIoHandler.newFactory());
        publisherSlot = slot(slots.size(), (EventLoop) publisherGroup.next(), stopAtNanos);
        lateJoinerSlot = slot(slots.size() + 1, (EventLoop) lateJoinerGroup.next(), stopAtNanos);
    }

    private static Slot slot(int index, EventLoop loop, long stopAtNanos) {
        return new Slot(index, loop, new ThreadTally(), new PublishScheduler(loop, stopAtNanos));
    }

    /** Round-robin over the receiving slots. */
    public Slot next() {
        return slots.get(Math.floorMod(next.getAndIncrement(), slots.size()));
    }

    /** The slot for publishers that receive little (large-room, join-storm, saturation). */
    public Slot publisherSlot() {
        return publisherSlot;
    }

    /** The slot for late joiners that join one at a time (large-room's window). */
    public Slot lateJoinerSlot() {
        return lateJoinerSlot;
    }

    /** Every slot: the receiving ones, the publishers', the late joiners'. */
    public List<Slot> slots() {
        List<Slot> all = new ArrayList<>(slots);
        all.add(publisherSlot);
        all.add(lateJoinerSlot);
        return List.copyOf(all);
    }

    public void stopPublishing() {
        slots().forEach(s -> s.scheduler().stop());
    }

    @Override
    public void close() {
        stopPublishing();
        publisherGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        lateJoinerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
    }
}
