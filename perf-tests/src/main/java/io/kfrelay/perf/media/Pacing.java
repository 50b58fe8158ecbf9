package io.kfrelay.perf.media;

/**
 * How a synthetic publisher puts its video on the wire. {@link #BURST}: every frame is handed to the client whole,
 * so a 200 KB keyframe reaches the relay as 171 packets at once (the worst case for the relay's queues). Paced: like
 * libwebrtc's pacer, packets leave one at a time at {@code multiplier} times the stream's bitrate (libwebrtc's
 * default multiplier is 2.5), so that keyframe takes about 256 ms at 2.5 Mbps; every packet is stamped when it
 * leaves, so the latency measured is the relay's, not the publisher's queue. Audio is never paced.
 *
 * @param multiplier pacing rate over the video bitrate; 0 for {@link #BURST}
 */
public record Pacing(double multiplier) {
    public static final Pacing BURST = new Pacing(0);
    /** libwebrtc's {@code kDefaultPaceMultiplier}. */
    public static final double WEBRTC_MULTIPLIER = 2.5;

    public Pacing {
        if (multiplier != 0 && !(multiplier >= 1 && multiplier <= 100)) {
            throw new IllegalArgumentException("--pacing must be off or a multiplier of the bitrate in 1..100, was "
                    + multiplier + " (below 1 the pacer would fall behind the encoder for good)");
        }
    }

    public boolean paced() {
        return multiplier > 0;
    }

    /** Nanoseconds one packet of {@code packetBytes} occupies at the pacing rate for {@code bitsPerSecond}. */
    public long packetNanos(int packetBytes, long bitsPerSecond) {
        return (long) (packetBytes * 8e9 / (multiplier * bitsPerSecond));
    }

    /** Parses {@code off} / {@code burst} or a multiplier such as {@code 2.5}. */
    public static Pacing parse(String text) {
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("off") || s.equals("burst")) {
            return BURST;
        }
        try {
            return new Pacing(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--pacing must be off or a multiplier such as 2.5, was '" + text + "'");
        }
    }

    /** What the report says: "burst" or "2.5x bitrate". */
    public String describe() {
        return paced() ? multiplier + "x bitrate" : "burst";
    }
}
