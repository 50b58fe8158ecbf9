package io.kfrelay.transport;

/**
 * Bounds of one connection's egress queue ({@link ChannelSink}). Media is admitted only under the media
 * limits, and non-keyframe media only under {@value #DELTA_SHARE_PERCENT}% of them: the rest of the room is
 * kept for keyframe packets, which are what ends a receiver's gap. Control messages are never dropped; they
 * may use the queue up to the hard caps, and a receiver so far behind that even control does not fit is
 * disconnected.
 *
 * @param mediaMessages   queued messages (of any kind) above which media is dropped
 * @param mediaBytes      queued bytes above which media is dropped
 * @param hardCapMessages queued messages above which the receiver is disconnected
 * @param hardCapBytes    queued bytes above which the receiver is disconnected
 */
public record SinkLimits(int mediaMessages, long mediaBytes, int hardCapMessages, long hardCapBytes) {

    /** Share of the media limits non-keyframe media may fill. */
    public static final int DELTA_SHARE_PERCENT = 75;
    /** Largest hard cap in messages (the queue's counters are packed into one word). */
    public static final int MAX_MESSAGES = 1 << 20;
    /** Largest hard cap in bytes. */
    public static final long MAX_BYTES = 1L << 30;

    public SinkLimits {
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

    /** Queued messages above which non-keyframe media is dropped. */
    public int deltaMessages() {
        return (int) ((long) mediaMessages * DELTA_SHARE_PERCENT / 100);
    }

    /** Queued bytes above which non-keyframe media is dropped. */
    public long deltaBytes() {
        return mediaBytes * DELTA_SHARE_PERCENT / 100;
    }
}
