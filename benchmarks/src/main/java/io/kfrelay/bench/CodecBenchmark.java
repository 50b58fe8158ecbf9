package io.kfrelay.bench;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.kfrelay.protocol.DecodeStatus;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/** The ingress check every media packet pays: validate the header, stamp the sender, read the routing fields. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CodecBenchmark extends BenchmarkDefaults {
    private final MediaHeader header = new MediaHeader();
    private ByteBuf packet;
    private ByteBuf join;

    @Setup
    public void setup() {
        packet = Packets.video(Packets.KEYFRAME_START, 1200);
        join = ControlCodec.encode(new ControlMessage.Join("room-42", "alice", "token"), PooledByteBufAllocator.DEFAULT);
    }

    @TearDown
    public void tearDown() {
        packet.release();
        join.release();
    }

    /** wrap (validate) + stampIngress + the fields the consumer routes on. */
    @Benchmark
    public long mediaParseAndStamp() {
        if (header.wrap(packet) != DecodeStatus.OK) {
            throw new IllegalStateException();
        }
        header.stampIngress(42);
        return header.streamId() + header.sequence() + header.flags() + header.kind();
    }

    /** Control messages are rare; this one allocates its record by design. */
    @Benchmark
    public Object controlDecodeJoin() {
        return ControlCodec.decode(join);
    }
}
