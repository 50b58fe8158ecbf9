package io.kfrelay.bench;

import io.kfrelay.config.RelayConfig;
import io.kfrelay.config.WaitStrategyKind;
import io.kfrelay.egress.ParticipantSink;
import io.kfrelay.pipeline.RelayCore;
import io.kfrelay.pipeline.RelaySession;
import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hop from an I/O thread through a shard's Disruptor ring to a receiver's sink: publish (validate,
 * claim, publish) and consume (stamp, route, hand to the sink). Audio packets, one receiver: no cache, no
 * fan-out, just the hop. The packet buffers are preallocated and retained per publish, so Netty's
 * allocator is not part of the figure.
 */
@State(Scope.Thread)
public class RingHopBenchmark extends BenchmarkDefaults {
    private static final int BURST = 256;

    @Param({"BLOCKING", "LITE_BLOCKING", "YIELDING"})
    public WaitStrategyKind waitStrategy;

    private RelayCore core;
    private RelaySession publisher;
    private final CountingSink receiver = new CountingSink();
    private final ByteBuf[] packets = new ByteBuf[1024];
    private int next;
    private long sent;

    /** Counts what reaches it; written by the shard thread only. */
    static final class CountingSink implements ParticipantSink {
        final AtomicLong received = new AtomicLong();

        @Override
        public void sendMedia(ByteBuf packet) {
            received.lazySet(received.get() + 1);
        }

        @Override
        public void sendControl(ByteBuf message) {
            message.release();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static final class Ignore implements ParticipantSink {
        @Override public void sendMedia(ByteBuf packet) { }
        @Override public void sendControl(ByteBuf message) { message.release(); }
        @Override public void flush() { }
        @Override public void close() { }
    }

    @Setup
    public void setup() throws Exception {
        core = RelayCore.start(RelayConfig.builder().waitStrategy(waitStrategy).build());
        publisher = core.join("room", "pub", new Ignore());
        core.join("room", "sub", receiver);
        core.sync().get(5, TimeUnit.SECONDS);
        for (int i = 0; i < packets.length; i++) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(200);
            MediaHeader.write(b, Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END, Protocol.KIND_AUDIO, 0, 1, i, 0);
            packets[i] = b.writeZero(180);
        }
        sent = receiver.received.get();
    }

    @TearDown
    public void tearDown() {
        core.close();
        for (ByteBuf b : packets) {
            b.release();
        }
    }

    private void publishOne() {
        ByteBuf p = packets[next];
        next = (next + 1) & (packets.length - 1);
        publisher.publish(p.retain());
        sent++;
    }

    private void awaitAll() {
        while (receiver.received.get() < sent) {
            Thread.onSpinWait();
        }
    }

    /** Bursts of 256 packets published back to back, then waited for: sustained hop throughput. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BURST)
    public void burstThroughput() {
        for (int i = 0; i < BURST; i++) {
            publishOne();
        }
        awaitAll();
    }

    /** One packet, waited for: the latency of the hop (percentiles in SampleTime mode). */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void singleHopLatency() {
        publishOne();
        awaitAll();
    }
}
