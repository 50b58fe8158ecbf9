package io.kfrelay.transport;

import java.time.Duration;

/**
 * Bounds of one connection's egress queue ({@link ChannelSink}). Media is admitted only under the media
 * limits, and video deltas only under {@value #DELTA_SHARE_PERCENT}% of them: the rest of the room is kept for
 * keyframe packets, which are what ends a receiver's gap, and for audio, which is tiny and has no keyframe to
 * recover at. A stream that lost video resumes only once the queue is down to {@value #LOW_WATER_PERCENT}%
 * (so a keyframe fits whole). Control messages are never dropped; they may use the queue up to the hard caps,
 * and a receiver so far behind that even control does not fit is disconnected, as is one that stays stalled
 * for {@code stallTimeout}.
 *
 * @param mediaMessages   queued messages (of any kind) above which media is dropped
 * @param mediaBytes      queued bytes above which media is dropped
 * @param hardCapMessages queued messages above which the receiver is disconnected
 * @param hardCapBytes    queued bytes above which the receiver is disconnected
 * @param stallTimeout    a receiver that drops media and does not drain to the low-water mark for this long is
 *                        disconnected; zero turns this off
 */
public record SinkLimits(int mediaMessages, long mediaBytes, int hardCapMessages, long hardCapBytes,
                         Duration stallTimeout) {

    /** Share of the media limits video deltas may fill. */
    public static final int DELTA_SHARE_PERCENT = 75;
    /** Share of the media limits a receiver must drain to before a stream that lost video resumes. */
    public static final int LOW_WATER_PERCENT = 50;
    /** Largest hard cap in messages (the queue's counters are packed into one word). */
    public static final int MAX_MESSAGES = 1 << 20;
    /** Largest hard cap in bytes. */
    public static final long MAX_BYTES = 1L << 30;

    /** Limits without a stall timeout. */
    public SinkLimits(int mediaMessages, long mediaBytes, int hardCapMessages, long hardCapBytes) {
        this(mediaMessages, mediaBytes, hardCapMessages, hardCapBytes, Duration.ZERO);
    }

    public SinkLimits {
        require(stallTimeout != null && !stallTimeout.isNegative(), "stall-timeout must not be negative");
        require(mediaMessages >= 16, "sink-queue-messages must be at least 16, was " + mediaMessages);
        require(mediaBytes >= 16 * 1024, "sink-queue-bytes must be at least 16 KiB, was " + mediaBytes);
        require(hardCapMessages > mediaMessages && hardCapMessages <= MAX_MESSAGES,
                "sink-hard-cap-messages must be larger than sink-queue-messages (" + mediaMessages
                        + ", control needs room beyond media) and at most " + MAX_MESSAGES + ", was " + hardCapMessages);
        require(hardCapBytes > mediaBytes && hardCapBytes <= MAX_BYTES,
                "sink-hard-cap-bytes must be larger than sink-queue-bytes (" + mediaBytes
                        + ", control needs room beyond media) and at most 1 GiB, was " + hardCapBytes);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Queued messages above which video deltas are dropped. */
    public int deltaMessages() {
        return (int) ((long) mediaMessages * DELTA_SHARE_PERCENT / 100);
    }

    /** Queued bytes above which video deltas are dropped. */
    public long deltaBytes() {
        return mediaBytes * DELTA_SHARE_PERCENT / 100;
    }

    /** Queued messages at or below which a receiver counts as drained (see {@link #LOW_WATER_PERCENT}). */
    public int lowWaterMessages() {
        return (int) ((long) mediaMessages * LOW_WATER_PERCENT / 100);
    }

    /** Queued bytes at or below which a receiver counts as drained. */
    public long lowWaterBytes() {
        return mediaBytes * LOW_WATER_PERCENT / 100;
    }
}
