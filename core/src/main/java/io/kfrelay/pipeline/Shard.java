package io.kfrelay.pipeline;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import io.kfrelay.cache.ShardCaches;
import io.kfrelay.config.RelayConfig;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.log.LifecycleLog;
import io.kfrelay.metrics.DropReason;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.Histogram;
import io.kfrelay.metrics.RelayMetrics;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.replay.ReplayJob;
import io.kfrelay.replay.ReplayLauncher;
import io.kfrelay.room.RoomQuota;
import io.kfrelay.room.RoomState;
import io.kfrelay.time.NanoClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * One ring, one consumer thread, one {@link RoomState}. I/O threads publish into the ring (multi-producer);
 * the consumer is the only thread that touches the room state.
 *
 * <p>Back-pressure: media never blocks an I/O thread. It is dropped (and counted) when the ring has no room
 * beyond {@code controlReserve} slots kept for commands, or is over its byte or work budget, or its room over its
 * fair share of them ({@link IngressBudget}). Membership commands are never dropped: if even the reserve is
 * gone a command parks in an overflow queue with the ring cursor it saw; while anything is parked every
 * later command parks behind it, and the consumer applies a parked command only once it has processed
 * every ring event claimed before it. So commands keep their order (a participant's JOIN always precedes
 * its LEAVE), and no event published after a command runs before it.
 *
 * <p>A duty cycle handles at most {@code batchEvents} events before the sinks it touched are flushed, so a
 * long burst cannot hold every receiver's packets back until its end.
 *
 * <p>Shutdown: producers announce themselves ({@link #producers}) before they look at {@link #stopping};
 * shutdown sets the flag, waits for the announced ones, then enqueues the Shutdown. Everything published
 * is therefore ahead of the Shutdown in the ring, and everything after the flag is answered inline.
 */
final class Shard implements EventHandler<RelayEvent> {
    /** A bug report, written off this thread: the consumer never waits for the log. */
    private static final LifecycleLog LOG = LifecycleLog.named("io.kfrelay.pipeline");
    private static final EventTranslatorOneArg<RelayEvent, Command> COMMAND = (e, seq, c) -> e.command = c;

    private final int index;
    private final RingBuffer<RelayEvent> ring;
    private final BatchEventProcessor<RelayEvent> processor;
    private final Thread thread;
    private final RoomState state;
    private final int controlReserve;
    private final EnumCounters<DropReason> drops;
    private final EnumCounters<Stat> stats;
    private final Histogram relayLatency;
    private static final long LATENCY_SAMPLE_MASK = RelayMetrics.RELAY_LATENCY_SAMPLE_EVERY - 1;
    private final IngressBudget ingress;
    /** Each room's share of this ring, by name; an entry lives while a session of the room does. */
    private final ConcurrentHashMap<String, RoomLoad> loads = new ConcurrentHashMap<>();
    /** Told each participant id the consumer is done with (its leave or eviction handled). */
    private final IntConsumer gone;
    private final ConcurrentLinkedQueue<Parked> overflow = new ConcurrentLinkedQueue<>();
    private final AtomicInteger producers = new AtomicInteger();
    private volatile boolean stopping;
    /** Consumer-only: the last ring sequence fully processed. */
    private long processed = -1;
    /** Consumer-only: the Shutdown has been applied. */
    private boolean halted;

    /** A command that found the ring full, and the ring cursor it must wait for. */
    private record Parked(Command command, long afterSequence) {
    }

    Shard(int index, RelayConfig config, RelayMetrics metrics, NanoClock clock, ByteBufAllocator alloc,
          ShardCaches caches, RoomQuota roomQuota, IntConsumer gone) {
        this.index = index;
        this.controlReserve = config.controlReserve();
        this.drops = metrics.drops();
        this.stats = metrics.shardStats(index);
        this.relayLatency = metrics.relayLatency();
        this.ingress = new IngressBudget(config);
        this.gone = gone;
        this.ring = RingBuffer.createMultiProducer(RelayEvent::new, config.ringSize(), config.waitStrategy().create());
        ReplayLauncher replays = (id, sink, slices, queue) ->
                new ReplayJob(sink, slices, queue, config.replayWindowBytes(),
                        job -> publish(new Command.ReplayDone(id, job))).start("kfrelay-replay-" + id);
        this.state = new RoomState(config, index, metrics, clock, alloc, caches, replays, roomQuota,
                (room, members) -> {
                    RoomLoad load = loads.get(room);
                    if (load != null) {
                        load.members(members);
                    }
                });
        this.processor = new BatchEventProcessorBuilder().setMaxBatchSize(config.batchEvents())
                .build(ring, ring.newBarrier(), this);
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

    /** Bytes of media waiting in the ring (a gauge). */
    long ringBytes() {
        return ingress.bytes();
    }

    /** Deliveries (packets x receivers) waiting in the ring (a gauge). */
    long ringWork() {
        return ingress.work();
    }

    /** Ring events published but not yet processed by the consumer (a gauge: read from any thread). */
    long ringOccupancy() {
        return Math.max(0, ring.getCursor() - processor.getSequence().get());
    }

    // ---------------------------------------------------------------- producers (any thread)

    private boolean enter() {
        producers.incrementAndGet();
        if (stopping) {
            producers.decrementAndGet();
            return false;
        }
        return true;
    }

    private void exit() {
        producers.decrementAndGet();
    }

    /** The share of this ring a session of {@code room} charges its packets to (one per room, counted by sessions). */
    RoomLoad openLoad(String room) {
        return loads.compute(room, (name, load) -> {
            RoomLoad l = load == null ? new RoomLoad(name) : load;
            l.sessions++;
            return l;
        });
    }

    void closeLoad(RoomLoad load) {
        loads.computeIfPresent(load.room, (name, l) -> --l.sessions == 0 ? null : l);
    }

    /**
     * Publishes one media packet of {@code load}'s room, taking ownership of it. Returns false (packet released,
     * drop counted) when the ring, its budget or the room's share of it is full, or the shard is stopping.
     * Never blocks.
     */
    boolean publishMedia(int sender, ByteBuf packet, RoomLoad load) {
        if (!enter()) {
            return drop(packet, DropReason.RING_FULL);
        }
        try {
            if (ring.remainingCapacity() <= controlReserve) {
                return drop(packet, DropReason.RING_FULL);
            }
            int length = packet.readableBytes();
            long cost = IngressBudget.cost(load);
            DropReason refused = ingress.admit(load, length, cost);
            if (refused != null) {
                return drop(packet, refused);
            }
            long seq;
            try {
                seq = ring.tryNext();
            } catch (InsufficientCapacityException e) {
                ingress.release(load, length, cost);
                return drop(packet, DropReason.RING_FULL);
            }
            RelayEvent e = ring.get(seq);
            e.sender = sender;
            e.packet = packet;
            e.load = load;
            e.length = length;
            e.cost = cost;
            // One packet in RELAY_LATENCY_SAMPLE_EVERY is timed (by sequence: no shared counter, no clock read for the rest).
            e.sampledAt = (seq & LATENCY_SAMPLE_MASK) == 0 ? System.nanoTime() : 0;
            ring.publish(seq);
            return true;
        } finally {
            exit();
        }
    }

    private boolean drop(ByteBuf packet, DropReason reason) {
        packet.release();
        drops.incrementShared(reason);
        return false;
    }

    /** Publishes a command; never lost, never blocks. After shutdown it is answered inline. */
    void publish(Command command) {
        if (!enter()) {
            answerStopped(command);
            return;
        }
        try {
            enqueue(command);
        } finally {
            exit();
        }
    }

    /**
     * Publishes a command that may be shed (a session's own requests): only into the ring, only while more than
     * half of the control reserve is free, never into the overflow queue. False when it did not go in.
     */
    boolean publishSoft(Command command) {
        if (!enter()) {
            return false;
        }
        try {
            return overflow.isEmpty() && ring.remainingCapacity() > controlReserve / 2
                    && ring.tryPublishEvent(COMMAND, command);
        } finally {
            exit();
        }
    }

    private void enqueue(Command command) {
        if (!overflow.isEmpty() || !ring.tryPublishEvent(COMMAND, command)) {
            overflow.add(new Parked(command, ring.getCursor()));
            // The consumer may have just drained the overflow; a nudge makes sure it looks again. If the ring
            // is full the nudge cannot go in, but then the consumer has events to process and drains after them.
            ring.tryPublishEvent(COMMAND, new Command.Nudge());
        }
    }

    <T> CompletableFuture<T> query(Function<RoomState, T> q) {
        CompletableFuture<T> f = new CompletableFuture<>();
        publish(new Command.Query<>(q, f));
        return f;
    }

    /** Evicts everyone, stops the consumer and (unless called from it) waits for its thread. */
    void shutdown(int code, String reason) throws InterruptedException {
        stopping = true;
        while (producers.get() != 0) {
            Thread.onSpinWait();
        }
        enqueue(new Command.Shutdown(code, reason));
        if (Thread.currentThread() != thread) {
            thread.join();
        }
    }

    /** A command that arrives after shutdown: refuse joins, fail queries, ignore the rest. */
    private static void answerStopped(Command command) {
        switch (command) {
            case Command.Join j -> refuseStopped(j.sink());
            case Command.Requests r -> {
                // shed: the relay is stopping
            }
            case Command.Refuse r -> refuseStopped(r.sink());
            case Command.Query<?> q -> q.result().completeExceptionally(new IllegalStateException("relay stopped"));
            case Command.ReplayDone rd -> {
                // the replay already freed its snapshot; nobody is waiting for the hand-over
            }
            default -> {
            }
        }
    }

    private static void refuseStopped(ParticipantSink sink) {
        try {
            sink.sendControl(ControlCodec.encode(new ControlMessage.Error(ErrorCodes.RELAY_SHUTTING_DOWN,
                    "relay is shutting down"), UnpooledByteBufAllocator.DEFAULT));
            sink.flush();
            sink.close();
        } catch (RuntimeException e) {
            // the connection is going away anyway
        }
    }

    // ---------------------------------------------------------------- consumer (the shard thread only)

    @Override
    public void onEvent(RelayEvent event, long sequence, boolean endOfBatch) {
        // Parked commands that were waiting for the events before this one go first.
        drainParked(sequence - 1);
        ByteBuf packet = event.packet;
        Command command = event.command;
        int sender = event.sender;
        RoomLoad load = event.load;
        int length = event.length;
        long cost = event.cost;
        long sampledAt = event.sampledAt;
        event.clear();
        try {
            if (halted) {
                if (packet != null) {
                    packet.release();
                }
                if (command != null) {
                    answerStopped(command);
                }
            } else if (packet != null) {
                state.media(sender, packet);
                if (sampledAt != 0) {
                    relayLatency.record(System.nanoTime() - sampledAt); // ring hop + fan-out of this packet
                }
            } else if (command != null) {
                apply(command);
            }
        } catch (RuntimeException e) {
            stats.increment(Stat.HANDLER_ERRORS);
            LOG.warn(e, "event=handler_error shard={} skipped={}", index, packet != null ? "media" : command);
        } finally {
            if (load != null) {
                ingress.release(load, length, cost);
            }
        }
        processed = sequence;
        if (endOfBatch) {
            drainParked(processed);
            if (!halted) {
                state.flushDirty();
            }
        }
    }

    @Override
    public void onTimeout(long sequence) {
        drainParked(processed);
        if (!halted) {
            state.flushDirty();
        }
    }

    private void drainParked(long upTo) {
        Parked p;
        while ((p = overflow.peek()) != null && p.afterSequence() <= upTo) {
            overflow.poll();
            try {
                if (halted) {
                    answerStopped(p.command());
                } else {
                    apply(p.command());
                }
            } catch (RuntimeException e) {
                stats.increment(Stat.HANDLER_ERRORS);
                LOG.warn(e, "event=handler_error shard={} skipped={}", index, p.command());
            }
        }
    }

    private void apply(Command command) {
        switch (command) {
            case Command.Join j -> join(j);
            case Command.Leave l -> {
                state.leave(l.participantId());
                gone.accept(l.participantId());
            }
            case Command.Refuse r -> state.refuse(r.sink(), r.code(), r.reason());
            case Command.Evict ev -> {
                state.evict(ev.participantId(), ev.last());
                gone.accept(ev.participantId());
            }
            case Command.Requests r -> r.session().applyRequests(state);
            case Command.Simulcast sc -> state.declareSimulcast(sc.participantId(), sc.streamIds());
            case Command.ReplayDone rd -> state.replayDone(rd.participantId(), rd.job());
            case Command.Query<?> q -> q.run(state);
            case Command.AnnounceStream a -> state.announceStream(a.participantId(), a.streamId(), a.kind());
            case Command.Nudge n -> {
                // its only job was to wake the consumer so parked commands are drained
            }
            case Command.Shutdown s -> shutdownNow(s);
        }
    }

    /**
     * A JOIN in ring order. Its session may have left already: then a kick (or the relay) ended it while the JOIN was
     * on its way, and the JOIN makes no member (no ghost): the joiner hears why, or, gone itself, nothing.
     */
    private void join(Command.Join j) {
        RelaySession s = j.session();
        if (!s.hasLeft()) {
            state.join(s.participantId(), s.room(), s.identity(), j.grants(), j.manualSubscribe(), j.sink());
            return;
        }
        RelaySession.Eviction why = s.eviction();
        if (why != null) {
            state.refuse(j.sink(), why.last());
        } else {
            try {
                j.sink().close();
            } catch (RuntimeException e) {
                stats.increment(Stat.SINK_ERRORS);
            }
        }
    }

    private void shutdownNow(Command.Shutdown s) {
        state.evictAll(s.code(), s.reason());
        state.flushDirty();
        halted = true;
        Parked p;
        while ((p = overflow.poll()) != null) {
            answerStopped(p.command());
        }
        processor.halt();
    }

    @Override
    public void onShutdown() {
        // Producers were fenced before the Shutdown, so nothing should follow it; release defensively.
        for (long seq = processor.getSequence().get() + 1; seq <= ring.getCursor() && ring.isAvailable(seq); seq++) {
            RelayEvent e = ring.get(seq);
            if (e.packet != null) {
                e.packet.release();
                ingress.release(e.load, e.length, e.cost);
            }
            if (e.command != null) {
                answerStopped(e.command);
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
