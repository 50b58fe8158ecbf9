package io.kfrelay.pipeline;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import io.kfrelay.cache.PacketStoreFactory;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.room.RoomState;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One ring, one consumer thread, one {@link RoomState}. I/O threads publish into the ring (multi-producer);
 * the consumer is the only thread that touches the room state.
 *
 * <p>Back-pressure policy: media never blocks an I/O thread. It is dropped (and counted) when the ring has
 * no room beyond {@code controlReserve} slots kept for membership. Membership is never dropped: if even the
 * reserve is gone it waits in an overflow queue; once anything waits there every later command queues
 * behind it, and the consumer applies a parked command only after the ring events claimed before it, so
 * commands keep their order (a participant's JOIN always precedes its LEAVE).
 */
final class Shard implements EventHandler<RelayEvent> {
    private final int index;
    private final RingBuffer<RelayEvent> ring;
    private final BatchEventProcessor<RelayEvent> processor;
    private final Thread thread;
    private final RoomState state;
    private final int controlReserve;
    private final EnumCounters<DropReason> drops;
    private final EnumCounters<Stat> stats;
    private final ConcurrentLinkedQueue<Parked> overflow = new ConcurrentLinkedQueue<>();
    /** Consumer-only: the last ring sequence fully processed. */
    private long processed = -1;
    private volatile boolean stopping;

    /**
     * A command that found the ring full. It may only run after every ring event that was claimed before it
     * (ring events of the same producer included), so it remembers the ring cursor it saw.
     */
    private record Parked(Command command, long afterSequence) {
    }

    Shard(int index, RelayConfig config, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
          PacketStoreFactory stores) {
        this.index = index;
        this.controlReserve = config.controlReserve();
        this.drops = metrics.drops();
        this.stats = metrics.shardStats(index);
        this.ring = RingBuffer.createMultiProducer(RelayEvent::new, config.ringSize(), config.waitStrategy().create());
        this.state = new RoomState(config, index, metrics, clock, alloc, stores,
                (id, sink, snapshot) -> new ReplayJob(sink, snapshot, config.replayBytesPerSecond(),
                        config.replayBurstBytes(), job -> publish(new Command.ReplayDone(id, job)))
                        .start("kfrelay-replay-" + id));
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), this);
        this.processor.setExceptionHandler(new CountingExceptionHandler());
        this.ring.addGatingSequences(processor.getSequence());
        this.thread = Thread.ofPlatform().name("kfrelay-shard-" + index).unstarted(processor);
    }

    void start() {
        thread.start();
    }

    int index() {
        return index;
    }

    // ---------------------------------------------------------------- producers (any thread)

    private static final EventTranslatorOneArg<RelayEvent, Command> COMMAND = (e, seq, c) -> e.command = c;

    /**
     * Publishes one media packet, taking ownership of it. Returns false (packet released, drop counted) when
     * the ring is full. Never blocks.
     */
    boolean publishMedia(int sender, ByteBuf packet) {
        if (stopping || ring.remainingCapacity() <= controlReserve) {
            return dropRingFull(packet);
        }
        long seq;
        try {
            seq = ring.tryNext();
        } catch (com.lmax.disruptor.InsufficientCapacityException e) {
            return dropRingFull(packet);
        }
        RelayEvent e = ring.get(seq);
        e.sender = sender;
        e.packet = packet;
        ring.publish(seq);
        return true;
    }

    private boolean dropRingFull(ByteBuf packet) {
        packet.release();
        drops.incrementShared(DropReason.RING_FULL);
        return false;
    }

    /** Publishes a command; never lost, never blocks. */
    void publish(Command command) {
        if (!overflow.isEmpty() || !ring.tryPublishEvent(COMMAND, command)) {
            overflow.add(new Parked(command, ring.getCursor()));
            // The consumer may have just drained the overflow; a nudge makes sure it looks again. If the ring
            // is full the nudge cannot go in, but then the consumer has a batch to finish and drains after it.
            ring.tryPublishEvent(COMMAND, new Command.Nudge());
        }
    }

    <T> CompletableFuture<T> query(java.util.function.Function<RoomState, T> q) {
        CompletableFuture<T> f = new CompletableFuture<>();
        publish(new Command.Query<>(q, f));
        return f;
    }

    /** Evicts everyone, stops the consumer and waits for its thread. */
    void shutdown(int code, String reason) throws InterruptedException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        publish(new Command.Shutdown(code, reason, done));
        thread.join();
    }

    // ---------------------------------------------------------------- consumer (the shard thread only)

    @Override
    public void onEvent(RelayEvent event, long sequence, boolean endOfBatch) {
        ByteBuf packet = event.packet;
        Command command = event.command;
        int sender = event.sender;
        event.clear();
        processed = sequence;
        try {
            if (stopping) {
                afterShutdown(packet, command);
            } else if (packet != null) {
                state.media(sender, packet);
            } else if (command != null) {
                apply(command);
            }
        } catch (RuntimeException e) {
            stats.increment(Stat.HANDLER_ERRORS);
        }
        if (endOfBatch) {
            endOfBatch();
        }
    }

    @Override
    public void onTimeout(long sequence) {
        endOfBatch();
    }

    private void endOfBatch() {
        Parked p;
        while ((p = overflow.peek()) != null && p.afterSequence() <= processed) {
            overflow.poll();
            try {
                if (stopping) {
                    afterShutdown(null, p.command());
                } else {
                    apply(p.command());
                }
            } catch (RuntimeException e) {
                stats.increment(Stat.HANDLER_ERRORS);
            }
        }
        state.flushDirty();
    }

    private void apply(Command command) {
        switch (command) {
            case Command.Join j -> state.join(j.participantId(), j.room(), j.identity(), j.sink());
            case Command.Leave l -> state.leave(l.participantId());
            case Command.Evict ev -> state.evict(ev.participantId(), ev.code(), ev.reason());
            case Command.EndStream es -> state.endStream(es.participantId(), es.streamId());
            case Command.KeyframeRequest kr -> state.keyframeRequest(kr.requesterId(), kr.senderId(), kr.streamId());
            case Command.ReplayDone rd -> state.replayDone(rd.participantId(), rd.job());
            case Command.Query<?> q -> q.run(state);
            case Command.Nudge n -> {
                // endOfBatch drains the overflow
            }
            case Command.Shutdown s -> shutdownNow(s);
        }
    }

    /** Events still in the ring behind a Shutdown: nothing may recreate state after the final eviction. */
    private void afterShutdown(ByteBuf packet, Command command) {
        if (packet != null) {
            packet.release();
        }
        switch (command) {
            case Command.Join j -> state.refuse(j.sink(), io.kfrelay.protocol.ErrorCodes.RELAY_SHUTTING_DOWN,
                    "relay is shutting down");
            case Command.Query<?> q -> q.result().completeExceptionally(new IllegalStateException("relay stopped"));
            case null, default -> {
            }
        }
    }

    private void shutdownNow(Command.Shutdown s) {
        stopping = true;
        state.evictAll(s.code(), s.reason());
        state.flushDirty();
        processor.halt();
        s.done().complete(null);
    }

    @Override
    public void onShutdown() {
        // Release whatever media was still in the ring behind the shutdown.
        for (long seq = processor.getSequence().get() + 1; seq <= ring.getCursor(); seq++) {
            RelayEvent e = ring.get(seq);
            if (e.packet != null) {
                e.packet.release();
            }
            e.clear();
        }
    }

    /** Should never fire (onEvent catches); if it does, count it and keep the consumer alive. */
    private final class CountingExceptionHandler implements ExceptionHandler<RelayEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, RelayEvent event) {
            stats.increment(Stat.HANDLER_ERRORS);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            stats.increment(Stat.HANDLER_ERRORS);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            stats.increment(Stat.HANDLER_ERRORS);
        }
    }
}
