package io.kfrelay.transport;

import io.kfrelay.protocol.MediaHeader;
import io.kfrelay.protocol.Protocol;
import io.kfrelay.transport.TransportMetrics.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The egress queue's policy, without sockets: an EmbeddedChannel made unwritable stands in for a slow receiver. */
@Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChannelSinkTest {
    private static final int KEYFRAME_START = Protocol.FLAG_KEYFRAME | Protocol.FLAG_FRAME_START;
    private static final int DELTA = Protocol.FLAG_FRAME_START | Protocol.FLAG_FRAME_END;
    private static final int KEYFRAME_MIDDLE = Protocol.FLAG_KEYFRAME;

    /** 16 messages for media (12 for deltas), 32 in all; bytes generous unless a test says otherwise. */
    private static final SinkLimits LIMITS = new SinkLimits(16, 1 << 20, 32, 2 << 20);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final TransportMetrics metrics = new TransportMetrics();
    private final List<String> keyframeRequests = new ArrayList<>();
    private final List<ByteBuf> borrowed = new ArrayList<>();
    private final List<ByteBuf> owned = new ArrayList<>();
    private ChannelSink sink = newSink(LIMITS);

    private ChannelSink newSink(SinkLimits limits) {
        return new ChannelSink(channel, EgressFraming.RAW, limits,
                (sender, stream) -> keyframeRequests.add(sender + "/" + stream), metrics, Duration.ofSeconds(5));
    }

    @AfterEach
    void everyBufferReleasedExactlyOnce() {
        channel.finishAndReleaseAll();
        sink.releaseQueued();
        // Media is borrowed: the test's own reference is the only one left. Control was owned: none left.
        for (ByteBuf b : borrowed) {
            assertEquals(1, b.refCnt(), "reference count of a media packet");
            b.release();
        }
        for (ByteBuf b : owned) {
            assertEquals(0, b.refCnt(), "reference count of a control message");
        }
    }

    private ByteBuf media(int flags, int kind, int sender, int stream, int seq, int payload) {
        ByteBuf b = Unpooled.buffer(MediaHeader.LENGTH + payload);
        MediaHeader.write(b, flags, kind, sender, stream, seq, 0);
        b.writeZero(payload);
        borrowed.add(b);
        return b;
    }

    private ByteBuf video(int flags, int sender, int stream, int seq) {
        return media(flags, Protocol.KIND_VIDEO, sender, stream, seq, 100);
    }

    private ByteBuf control() {
        ByteBuf b = Unpooled.buffer(10).writeByte(1).writeByte(0x19).writeLong(42); // a PONG
        owned.add(b);
        return b;
    }

    /** Sends like the relay does: borrowed media, then the caller keeps its reference. */
    private void send(ByteBuf packet) {
        sink.sendMedia(packet);
    }

    private void unwritable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertFalse(channel.isWritable());
    }

    private void writable() {
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        sink.onWritabilityChanged();
        channel.runPendingTasks();
    }

    /** Everything written so far, released; returns the sequence numbers of media (-1 for control). */
    private List<Integer> written() {
        List<Integer> out = new ArrayList<>();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            if (b.isReadable()) {
                out.add(b.getUnsignedByte(b.readerIndex() + 1) == 0x01
                        ? b.getInt(b.readerIndex() + MediaHeader.SEQUENCE_OFFSET) : -1);
            }
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    @Test
    void writesEverythingInOrderOnFlush() {
        send(video(KEYFRAME_START, 1, 1, 0));
        sink.sendControl(control());
        send(video(DELTA, 1, 1, 1));
        channel.runPendingTasks();
        assertEquals(List.of(), written(), "nothing before the burst ends");

        sink.flush();
        sink.flush(); // a second flush in the same burst schedules nothing more
        channel.runPendingTasks();
        assertEquals(List.of(0, -1, 1), written());
        assertEquals(0, sink.queuedMessages());
        assertEquals(0, sink.queuedBytes());
    }

    @Test
    void unsentBytesAreTheQueuesAndWhatTheChannelStillHolds() {
        unwritable();
        send(video(DELTA, 1, 1, 0));
        sink.flush();
        channel.runPendingTasks();
        long queued = sink.backlogBytes();
        assertEquals(MediaHeader.LENGTH + 100, queued, "queued: the channel is unwritable");
        assertEquals(queued, sink.unsentBytes(), "the channel holds nothing yet");

        channel.write(Unpooled.buffer(1000).writeZero(1000)); // taken by the channel, not by its socket yet
        assertEquals(queued, sink.backlogBytes(), "the queue alone (what a replay paces itself by)");
        assertTrue(sink.unsentBytes() >= queued + 1000, "the queue and the channel's outbound buffer: "
                + sink.unsentBytes());
    }

    @Test
    void queuedMediaIsADuplicateSoTheSharedPacketIsUntouched() {
        ByteBuf packet = video(KEYFRAME_START, 1, 1, 7);
        int readerIndex = packet.readerIndex();
        send(packet);
        assertEquals(2, packet.refCnt(), "retained while queued");
        sink.flush();
        channel.runPendingTasks();
        ByteBuf out = channel.readOutbound();
        assertSame(packet, out.unwrap(), "a view of the shared packet, not a copy");
        out.readerIndex(out.writerIndex()); // a writer consuming its copy...
        assertEquals(readerIndex, packet.readerIndex()); // ...leaves the shared packet alone
        out.release();
    }

    @Test
    void deltasGoFirstThenKeyframesAndTheStreamAsksForAKeyframe() {
        unwritable();
        for (int seq = 0; seq < 12; seq++) {
            send(video(DELTA, 7, 1, seq));
        }
        assertEquals(12, sink.queuedMessages(), "deltas fill 75% of the media limit");
        send(video(DELTA, 7, 1, 12));
        assertEquals(12, sink.queuedMessages());
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED));
        assertEquals(List.of(), keyframeRequests, "a full queue asks for nothing: the keyframe would not fit");
        assertEquals(1, sink.awaitingKeyframeStreams());

        // Keyframes of another stream still fit, up to the full media limit.
        for (int seq = 0; seq < 4; seq++) {
            send(video(seq == 0 ? KEYFRAME_START : KEYFRAME_MIDDLE, 8, 2, seq));
        }
        assertEquals(16, sink.queuedMessages());
        send(video(KEYFRAME_MIDDLE, 8, 2, 4));
        assertEquals(16, sink.queuedMessages(), "bounded");
        assertEquals(2, metrics.get(Counter.MEDIA_DROPPED));
        assertEquals(List.of(), keyframeRequests);

        // Control is never dropped while under the hard cap.
        for (int i = 0; i < 16; i++) {
            sink.sendControl(control());
        }
        assertEquals(32, sink.queuedMessages());
        assertTrue(channel.isOpen());
    }

    @Test
    void aStreamThatLostMediaResumesAtItsNextKeyframeStart() {
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq)); // the 13th is dropped
        }
        send(video(DELTA, 9, 3, 100)); // another stream loses one too
        writable();
        assertEquals(12, written().size());

        send(video(DELTA, 7, 1, 13));            // skipped: would not decode
        send(video(KEYFRAME_MIDDLE, 7, 1, 14));  // skipped: the middle of a keyframe is no place to start
        send(video(KEYFRAME_START, 7, 1, 15));   // resumes here
        send(video(DELTA, 7, 1, 16));
        send(video(KEYFRAME_START, 9, 3, 101));
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(15, 16, 101), written());
        assertEquals(2, metrics.get(Counter.MEDIA_SKIPPED));
        // Asked once the queue had drained; 9/3 met its keyframe before it had to ask.
        assertEquals(List.of("7/1"), keyframeRequests, "one request per loss, not per skipped packet");
        assertEquals(0, sink.awaitingKeyframeStreams());
    }

    @Test
    void streamsThatLostNothingAreNotHeldBack() {
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq));
        }
        writable();
        written();
        send(video(DELTA, 7, 2, 50)); // same sender, other stream
        send(video(DELTA, 8, 1, 60)); // other sender, same stream id
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(50, 60), written());
    }

    @Test
    void audioIsDroppedPacketByPacketWithoutAKeyframeWait() {
        unwritable();
        for (int seq = 0; seq < 17; seq++) {
            send(media(DELTA, Protocol.KIND_AUDIO, 5, 1, seq, 50));
        }
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED), "audio fills the whole media limit, then drops");
        assertEquals(List.of(), keyframeRequests, "audio has no keyframes to ask for");
        writable();
        written();
        send(media(DELTA, Protocol.KIND_AUDIO, 5, 1, 17, 50));
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(17), written());
    }

    @Test
    void audioStillGetsThroughWhenVideoDeltasAreDropped() {
        unwritable();
        for (int seq = 0; seq < 12; seq++) {
            send(video(DELTA, 7, 1, seq));
        }
        send(video(DELTA, 7, 1, 12));
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED), "video deltas stop at 75%");
        for (int seq = 0; seq < 4; seq++) {
            send(media(DELTA, Protocol.KIND_AUDIO, 5, 1, 100 + seq, 50));
        }
        assertEquals(16, sink.queuedMessages(), "audio uses the rest of the media limit");
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED));
        writable();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100, 101, 102, 103), written());
    }

    @Test
    void aStreamThatLostVideoResumesOnlyOnceAKeyframeFits() {
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq)); // the 13th is dropped: 7/1 waits
        }
        send(video(KEYFRAME_START, 7, 1, 13)); // the queue is still 75% full: this keyframe would be cut short
        send(video(KEYFRAME_MIDDLE, 7, 1, 14));
        assertEquals(12, sink.queuedMessages(), "not resumed into a full queue");
        assertEquals(1, sink.awaitingKeyframeStreams());
        writable();
        assertEquals(12, written().size());
        send(video(KEYFRAME_START, 7, 1, 15)); // drained: resumes here
        send(video(DELTA, 7, 1, 16));
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(15, 16), written());
        assertEquals(0, sink.awaitingKeyframeStreams());
    }

    @Test
    void aStalledReceiverAsksForOneKeyframeWhenItHasDrainedNotOnePerKeyframeItMissed() {
        unwritable();
        int seq = 0;
        for (int gop = 0; gop < 10; gop++) { // ten natural keyframes, each followed by deltas, into a stalled receiver
            send(video(KEYFRAME_START, 7, 1, seq++));
            for (int i = 0; i < 15; i++) {
                send(video(DELTA, 7, 1, seq++));
            }
        }
        assertEquals(List.of(), keyframeRequests, "a stalled receiver raises nobody's keyframe rate");
        writable();
        written();
        for (int i = 0; i < 5; i++) {
            send(video(DELTA, 7, 1, seq++));
        }
        assertEquals(List.of("7/1"), keyframeRequests, "drained: one request, then wait for it");
        assertEquals(1, metrics.get(Counter.KEYFRAME_REQUESTS));
    }

    private ByteBuf audio(int sender, int stream, int seq) {
        return media(DELTA, Protocol.KIND_AUDIO, sender, stream, seq, 50);
    }

    @Test
    void anUnsubscribeTakesTheStreamsQueuedMediaOutAndKeepsEverythingElse() {
        unwritable(); // a slow receiver: everything waits in the queue
        for (int seq = 0; seq < 5; seq++) {
            send(video(DELTA, 7, 1, seq));
        }
        send(audio(5, 1, 100));
        send(video(DELTA, 7, 1, 5));
        send(video(DELTA, 8, 1, 200)); // another sender's stream 1
        sink.sendControl(control());
        assertEquals(9, sink.queuedMessages());

        sink.purge(7, 1);
        channel.runPendingTasks();
        assertEquals(5, metrics.get(Counter.MEDIA_PURGED),
                "what the head of the queue held of it is freed at once, though the receiver reads nothing");
        assertEquals(4, sink.queuedMessages());

        // A new subscription's replay, then its live packets: queued after the purge, so kept.
        sink.sendCatchUp(video(KEYFRAME_START, 7, 1, 50));
        send(video(DELTA, 7, 1, 51));
        writable();
        assertEquals(List.of(100, 200, -1, 50, 51), written());
        assertEquals(6, metrics.get(Counter.MEDIA_PURGED));
        assertEquals(0, metrics.get(Counter.MEDIA_DROPPED));
        assertEquals(0, sink.queuedMessages());
        assertEquals(0, sink.queuedBytes(), "purged media is given back to the budget");
        assertEquals(0, sink.pendingPurges());
        assertEquals(4, metrics.get(Counter.EGRESS_PACKETS), "purged media is not counted as sent");
    }

    @Test
    void aWritableReceiverNeverSeesPurgedMedia() {
        send(video(KEYFRAME_START, 7, 1, 0));
        send(video(DELTA, 7, 1, 1));
        send(audio(5, 1, 100));
        sink.purge(7, 1); // before the burst's flush: nothing of it was handed to the transport yet
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(100), written());
        assertEquals(2, metrics.get(Counter.MEDIA_PURGED));
    }

    @Test
    void twoUnsubscribesOfOneStreamEachEndAtTheirOwnFence() {
        unwritable();
        send(audio(5, 1, 100)); // holds the head, so nothing is dropped before the receiver reads
        send(video(DELTA, 7, 1, 0));
        sink.purge(7, 1);
        sink.sendCatchUp(video(KEYFRAME_START, 7, 1, 1)); // subscribed again...
        sink.purge(7, 1);                                  // ...and unsubscribed again before any of it was sent
        sink.sendCatchUp(video(KEYFRAME_START, 7, 1, 2)); // the third subscription
        assertEquals(2, sink.pendingPurges());
        writable();
        assertEquals(List.of(100, 2), written());
        assertEquals(2, metrics.get(Counter.MEDIA_PURGED));
        assertEquals(0, sink.pendingPurges());
    }

    @Test
    void aStreamThatLostVideoDoesNotWaitForAKeyframeAfterItWasUnsubscribed() {
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq)); // the 13th is dropped: 7/1 waits for its next keyframe
        }
        assertEquals(1, sink.awaitingKeyframeStreams());
        sink.purge(7, 1);
        assertEquals(0, sink.awaitingKeyframeStreams(), "the loss belonged to the old subscription");
        writable();
        assertEquals(List.of(), written(), "all 12 purged");

        // Subscribed again: the relay replays from a keyframe, then the live deltas follow it.
        sink.sendCatchUp(video(KEYFRAME_START, 7, 1, 20));
        sink.sendCatchUp(video(DELTA, 7, 1, 21));
        send(video(DELTA, 7, 1, 22));
        send(video(DELTA, 7, 1, 23));
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(20, 21, 22, 23), written(), "no live delta skipped waiting for a keyframe");
        assertEquals(0, metrics.get(Counter.MEDIA_SKIPPED));
        assertEquals(List.of(), keyframeRequests, "nor a keyframe asked for");
    }

    @Test
    void aFenceIsNeverWrittenAndNeverCountsAgainstTheHardCaps() {
        unwritable();
        for (int i = 0; i < 32; i++) {
            sink.sendControl(control()); // at the hard cap: one more control message would disconnect
        }
        for (int sender = 1; sender <= PurgeFences.CAPACITY; sender++) {
            sink.purge(sender, 1);
        }
        channel.runPendingTasks();
        assertTrue(channel.isOpen(), "purges fit beside a full queue");
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        assertEquals(32, sink.queuedMessages(), "fences take no room in the budget");
        writable();
        assertEquals(32, channel.outboundMessages().size(), "the control messages and nothing else reach the wire");
        assertEquals(0, sink.pendingPurges());
    }

    @Test
    void purgesPastTheCapacityAreNotMadeAndNothingElseSuffers() {
        unwritable();
        send(audio(5, 1, 100)); // holds the head
        for (int sender = 100; sender < 100 + PurgeFences.CAPACITY; sender++) {
            sink.purge(sender, 1);
        }
        send(video(DELTA, 7, 1, 0));
        sink.purge(7, 1); // one too many: its media goes out after all
        assertEquals(PurgeFences.CAPACITY, sink.pendingPurges());
        writable();
        assertEquals(List.of(100, 0), written());
        assertEquals(0, sink.pendingPurges());

        unwritable();
        send(audio(5, 1, 101));
        send(video(DELTA, 7, 1, 1));
        sink.purge(7, 1); // room again
        writable();
        assertEquals(List.of(101), written());
        assertEquals(1, metrics.get(Counter.MEDIA_PURGED));
    }

    @Test
    void aPortThatRefusesMediaStillLosesThePurgedMediaAndSpendsNoCreditOnIt() {
        // Like QUIC with its datagram credit spent: control goes out, media waits, purged media is dropped unasked.
        EgressPort wire = EgressPort.of(channel, EgressFraming.RAW);
        List<Integer> mediaAsked = new ArrayList<>();
        EgressPort creditSpent = new EgressPort() {
            public io.netty.channel.EventLoop eventLoop() { return wire.eventLoop(); }
            public boolean isOpen() { return wire.isOpen(); }
            public boolean isWritable() { return false; }
            public boolean canWrite(ByteBuf next) {
                boolean isMedia = next.getUnsignedByte(next.readerIndex() + 1) == 0x01;
                if (isMedia) {
                    mediaAsked.add(next.getInt(next.readerIndex() + MediaHeader.SEQUENCE_OFFSET));
                }
                return !isMedia;
            }
            public void write(ByteBuf message) { wire.write(message); }
            public void flush() { wire.flush(); }
            public void goodbye() { wire.goodbye(); }
            public void close() { wire.close(); }
        };
        sink = new ChannelSink(creditSpent, LIMITS, (sender, stream) -> { }, metrics, Duration.ofSeconds(5));
        send(video(DELTA, 7, 1, 0));
        send(video(DELTA, 7, 1, 1));
        sink.sendControl(control());
        send(audio(5, 1, 100));
        sink.purge(7, 1);
        channel.runPendingTasks();
        assertEquals(List.of(-1), written(), "the purged media went without waiting for credit, the control after it");
        assertEquals(List.of(100), mediaAsked, "no credit was asked for purged media");
        assertEquals(2, metrics.get(Counter.MEDIA_PURGED));
        assertEquals(1, sink.queuedMessages(), "the audio waits for credit");
    }

    @Test
    void purgesAfterCloseAreIgnoredAndAGoneConnectionReleasesItsFences() {
        unwritable();
        send(audio(5, 1, 100));
        send(video(DELTA, 7, 1, 0));
        sink.purge(7, 1);
        channel.close();
        sink.onInactive();
        assertEquals(0, sink.queuedMessages());
        assertEquals(0, sink.pendingPurges());
        sink.purge(7, 1);
        assertEquals(0, sink.pendingPurges(), "a closed sink has nothing to purge");
        assertEquals(List.of(), written());
    }

    @Test
    void aReceiverStalledForTheStallTimeoutIsToldAndDisconnected() {
        sink = newSink(new SinkLimits(16, 1 << 20, 32, 2 << 20, Duration.ofSeconds(10)));
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq)); // the 13th is dropped: the stall clock starts
        }
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "not yet");
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        assertTrue(sink.isClosing());
        assertEquals(1, sink.queuedMessages(), "queued media released, the ERROR waits for the receiver");
        writable(); // if it ever reads again it hears why
        assertEquals(List.of(-1), written());
        assertFalse(channel.isOpen());
    }

    @Test
    void aReceiverThatCatchesUpRestartsTheStallClock() {
        sink = newSink(new SinkLimits(16, 1 << 20, 32, 2 << 20, Duration.ofSeconds(10)));
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(video(DELTA, 7, 1, seq));
        }
        channel.advanceTimeBy(8, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        writable(); // drained: the stall is over
        written();
        unwritable();
        for (int seq = 0; seq < 13; seq++) {
            send(media(DELTA, Protocol.KIND_VIDEO, 8, 1, seq, 100)); // a new stall
        }
        channel.advanceTimeBy(8, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "16 s since the first drop, but only 8 s of this stall");
        assertEquals(0, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        channel.advanceTimeBy(3, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
    }

    @Test
    void theByteLimitsHoldToo() {
        sink = newSink(new SinkLimits(1000, 16 * 1024, 2000, 32 * 1024));
        unwritable();
        int admitted = 0;
        for (int seq = 0; seq < 100; seq++) {
            send(media(DELTA, Protocol.KIND_VIDEO, 1, 1, seq, 1000));
            admitted = sink.queuedMessages();
        }
        assertEquals(12 * 1024 / 1020, admitted, "deltas stop at 75% of 16 KiB");
        assertTrue(sink.queuedBytes() <= 12 * 1024);
    }

    @Test
    void aReceiverThatCannotTakeEvenControlIsDisconnected() {
        unwritable();
        for (int i = 0; i < 32; i++) {
            sink.sendControl(control());
        }
        assertTrue(channel.isOpen());
        sink.sendControl(control());
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED));
        sink.onInactive(); // what the session handler does on channelInactive
        assertEquals(0, sink.queuedMessages());
        sink.sendControl(control()); // late calls are released at once
        send(video(KEYFRAME_START, 1, 1, 1));
        assertEquals(0, sink.queuedMessages());
        assertEquals(1, metrics.get(Counter.SLOW_RECEIVERS_DISCONNECTED), "counted once");
    }

    @Test
    void closeWritesQueuedControlDropsQueuedMediaThenCloses() {
        send(video(KEYFRAME_START, 1, 1, 1));
        sink.sendControl(control());
        sink.close();
        assertTrue(sink.isClosing());
        send(video(DELTA, 1, 1, 2)); // after close: ignored
        sink.flush();
        channel.runPendingTasks();
        // The ERROR (control) is not held up behind media nobody needs any more.
        assertEquals(List.of(-1), written());
        assertEquals(1, metrics.get(Counter.MEDIA_DROPPED));
        assertFalse(channel.isOpen());
    }

    @Test
    void aClosingReceiverThatCannotDrainIsCutOffAfterTheTimeout() {
        unwritable();
        send(video(KEYFRAME_START, 1, 1, 1));
        sink.sendControl(control());
        sink.close();
        channel.runPendingTasks();
        assertTrue(channel.isOpen(), "still trying to drain");
        channel.advanceTimeBy(6, TimeUnit.SECONDS);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertEquals(1, metrics.get(Counter.CLOSE_TIMEOUTS));
        assertEquals(0, sink.queuedMessages());
        assertNull(channel.readOutbound());
    }

    @Test
    void aGoneConnectionReleasesItsQueue() {
        send(video(KEYFRAME_START, 1, 1, 1));
        sink.sendControl(control());
        channel.close();
        sink.onInactive();
        assertEquals(0, sink.queuedMessages());
        sink.flush();
        channel.runPendingTasks();
        assertEquals(List.of(), written());
    }
}
