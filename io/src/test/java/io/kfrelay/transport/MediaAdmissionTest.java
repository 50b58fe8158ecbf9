package io.kfrelay.transport;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.MediaAdmission.Verdict;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admission policy decided without a channel: a packet, the queue's budget and the limits are all it needs.
 * "Draining" here is giving queued messages back to the budget, as the drain does once it wrote them.
 */
@DisplayName("MediaAdmission: which media a receiver's queue takes")
class MediaAdmissionTest {
    private static final int KEYFRAME_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
    private static final int KEYFRAME_MIDDLE = Protocol.FLAG_KEYFRAME;
    private static final int DELTA = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
    private static final int PACKET_BYTES = MediaHeader.LENGTH + 100;

    /** 16 messages for media, 12 of them for video deltas, low water at 8. */
    private static final SinkLimits LIMITS = new SinkLimits(16, 1 << 20, 32, 2 << 20);

    private final QueueBudget budget = new QueueBudget();
    private final TransportMetrics metrics = new TransportMetrics();
    private final List<String> keyframeRequests = new ArrayList<>();
    private final MediaAdmission admission = new MediaAdmission(LIMITS, budget,
            (sender, stream) -> keyframeRequests.add(sender + "/" + stream), metrics);
    private final List<ByteBuf> packets = new ArrayList<>();

    @AfterEach
    void releasePackets() {
        packets.forEach(ByteBuf::release);
    }

    private ByteBuf packet(int flags, int kind, int sender, int stream) {
        ByteBuf b = Unpooled.buffer(PACKET_BYTES);
        MediaHeader.write(b, flags, kind, sender, stream, 0, 0);
        b.writeZero(PACKET_BYTES - MediaHeader.LENGTH);
        packets.add(b);
        return b;
    }

    private Verdict video(int flags, int sender, int stream) {
        return admission.admit(packet(flags, Protocol.KIND_VIDEO, sender, stream));
    }

    private Verdict audio(int sender, int stream) {
        return admission.admit(packet(DELTA, Protocol.KIND_AUDIO, sender, stream));
    }

    /** The drain wrote {@code messages} queued packets. */
    private void drain(int messages) {
        budget.release(messages, (long) messages * PACKET_BYTES);
    }

    /** Fills the delta share with stream 7/1 and drops one more delta of it: 7/1 now waits for a keyframe. */
    private void lose7of1() {
        for (int i = 0; i < LIMITS.deltaMessages(); i++) {
            assertEquals(Verdict.ADMITTED, video(DELTA, 7, 1));
        }
        assertEquals(Verdict.DROPPED, video(DELTA, 7, 1));
    }

    @Test
    @DisplayName("an admitted packet is reserved in the budget: its bytes and one message")
    void admittedIsReserved() {
        assertEquals(Verdict.ADMITTED, video(KEYFRAME_START, 1, 1));
        assertEquals(1, budget.messages());
        assertEquals(PACKET_BYTES, budget.bytes());
    }

    @Test
    @DisplayName("video deltas stop at their share of the media limit; keyframes and audio may use all of it")
    void deltasFirstThenKeyframesAndAudio() {
        lose7of1();
        assertEquals(12, budget.messages());
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED));

        assertEquals(Verdict.ADMITTED, video(KEYFRAME_START, 8, 2));
        assertEquals(Verdict.ADMITTED, video(KEYFRAME_MIDDLE, 8, 2));
        assertEquals(Verdict.ADMITTED, audio(5, 1));
        assertEquals(Verdict.ADMITTED, audio(5, 1));
        assertEquals(16, budget.messages());
        assertEquals(Verdict.DROPPED, video(KEYFRAME_MIDDLE, 8, 2));
        assertEquals(Verdict.DROPPED, audio(5, 1));
        assertEquals(16, budget.messages(), "a drop reserves nothing");
        assertEquals(3, metrics.get(Counter.MEDIA_DROPPED));
    }

    @Test
    @DisplayName("the byte limits hold as well as the message limits")
    void byteLimits() {
        MediaAdmission bytesBound = new MediaAdmission(new SinkLimits(1000, 16 * 1024, 2000, 32 * 1024), budget,
                (sender, stream) -> { }, metrics);
        ByteBuf big = Unpooled.buffer(1020);
        MediaHeader.write(big, DELTA, Protocol.KIND_VIDEO, 1, 1, 0, 0);
        big.writeZero(1000);
        packets.add(big);
        int admitted = 0;
        while (bytesBound.admit(big) == Verdict.ADMITTED) {
            admitted++;
        }
        assertEquals(12 * 1024 / 1020, admitted, "deltas stop at 75% of 16 KiB");
    }

    @Test
    @DisplayName("a stream that lost video skips until a keyframe start; other streams are not held back")
    void lostVideoWaitsForAKeyframe() {
        lose7of1();
        assertEquals(1, admission.awaitingStreams());
        drain(12);

        assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1), "would not decode");
        assertEquals(Verdict.SKIPPED, video(KEYFRAME_MIDDLE, 7, 1), "the middle of a keyframe is no place to start");
        assertEquals(Verdict.ADMITTED, video(DELTA, 7, 2), "same sender, other stream");
        assertEquals(Verdict.ADMITTED, video(DELTA, 8, 1), "other sender, same stream id");
        assertEquals(Verdict.ADMITTED, video(KEYFRAME_START, 7, 1), "resumes here");
        assertEquals(Verdict.ADMITTED, video(DELTA, 7, 1));
        assertEquals(0, admission.awaitingStreams());
        assertEquals(2, metrics.get(Counter.MEDIA_SKIPPED));
    }

    @Test
    @DisplayName("a waiting stream resumes only once the queue is down to the low-water mark")
    void resumesOnlyWhenDrained() {
        lose7of1();
        drain(12 - LIMITS.lowWaterMessages() - 1); // one above low water
        assertEquals(Verdict.SKIPPED, video(KEYFRAME_START, 7, 1), "a keyframe into a full queue would be cut short");
        drain(1);
        assertEquals(Verdict.ADMITTED, video(KEYFRAME_START, 7, 1));
        assertEquals(0, admission.awaitingStreams());
    }

    @Test
    @DisplayName("one keyframe request per loss, and only once drained: a stalled receiver asks for nothing")
    void oneKeyframeRequestPerLossWhenDrained() {
        lose7of1();
        for (int i = 0; i < 10; i++) {
            video(KEYFRAME_START, 7, 1); // natural keyframes arriving while the queue is full
            video(DELTA, 7, 1);
        }
        assertEquals(List.of(), keyframeRequests, "a full queue asks for nothing: the keyframe would not fit");

        drain(12);
        for (int i = 0; i < 5; i++) {
            assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1));
        }
        assertEquals(List.of("7/1"), keyframeRequests, "drained: one request, then wait for it");
        assertEquals(1, metrics.get(Counter.KEYFRAME_REQUESTS));
    }

    @Test
    @DisplayName("a keyframe lost after the request spends it: the stream asks again once drained")
    void aLostKeyframeRearmsTheRequest() {
        lose7of1();
        drain(12);
        assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1));
        assertEquals(List.of("7/1"), keyframeRequests);

        for (int i = 0; i < LIMITS.deltaMessages(); i++) {
            assertEquals(Verdict.ADMITTED, video(DELTA, 8, 1)); // the queue fills again with another stream
        }
        assertEquals(Verdict.SKIPPED, video(KEYFRAME_START, 7, 1), "the requested keyframe, lost to a full queue");
        drain(12);
        assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1));
        assertEquals(List.of("7/1", "7/1"), keyframeRequests);
    }

    @Test
    @DisplayName("a stream that loses again after its request asks again, not never")
    void aNewLossRearmsTheRequest() {
        lose7of1();
        drain(12);
        assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1));
        assertEquals(Verdict.ADMITTED, video(KEYFRAME_START, 7, 1));
        drain(1);
        lose7of1();
        drain(12);
        assertEquals(Verdict.SKIPPED, video(DELTA, 7, 1));
        assertEquals(List.of("7/1", "7/1"), keyframeRequests);
    }

    @Test
    @DisplayName("audio is dropped packet by packet: nothing waits, nothing is requested")
    void audioDropsAlone() {
        for (int i = 0; i < LIMITS.mediaMessages(); i++) {
            assertEquals(Verdict.ADMITTED, audio(5, 1));
        }
        assertEquals(Verdict.DROPPED, audio(5, 1));
        assertEquals(0, admission.awaitingStreams());
        drain(1);
        assertEquals(Verdict.ADMITTED, audio(5, 1));
        assertEquals(List.of(), keyframeRequests);
    }

    @Test
    @DisplayName("deciding allocates nothing: admitted, dropped or skipped")
    void decidingAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        MediaAdmission quiet = new MediaAdmission(LIMITS, budget, (sender, stream) -> { }, metrics);
        ByteBuf delta = PooledByteBufAllocator.DEFAULT.directBuffer(PACKET_BYTES);
        MediaHeader.write(delta, DELTA, Protocol.KIND_VIDEO, 7, 1, 0, 0);
        delta.writeZero(PACKET_BYTES - MediaHeader.LENGTH);
        packets.add(delta);
        ByteBuf keyframe = delta.copy();
        keyframe.setByte(MediaHeader.FLAGS_OFFSET, KEYFRAME_START);
        packets.add(keyframe);
        Runnable work = () -> {
            for (int i = 0; i < 2_000; i++) { // 16 decisions each
                while (quiet.admit(delta) == Verdict.ADMITTED) {
                    // admitted up to the delta share, then dropped: the stream waits
                }
                quiet.admit(delta);    // skipped: still full
                drain(budget.messages());
                quiet.admit(delta);    // skipped, and the keyframe request goes out
                quiet.admit(keyframe); // resumes
                drain(budget.messages());
            }
        };
        long least = Long.MAX_VALUE;
        long tid = Thread.currentThread().threadId();
        for (int window = 0; window < 3; window++) {
            long before = threads.getThreadAllocatedBytes(tid);
            work.run();
            least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before);
        }
        assertTrue(metrics.get(Counter.MEDIA_DROPPED) > 0 && metrics.get(Counter.MEDIA_SKIPPED) > 0,
                "the loop went through every verdict");
        // Any per-packet object would be at least 16 B x 32,000 per window; 4 KB is room for JVM noise only.
        assertTrue(least < 4096, "allocated " + least + " bytes in 32,000 decisions");
    }
}
