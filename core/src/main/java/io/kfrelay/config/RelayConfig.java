package io.kfrelay.config;

import java.time.Duration;

/**
 * The one configuration model of the relay core. Every knob has a documented default; the CLI, the config
 * file and environment variables all end up here. Invalid values are refused with a message that names
 * the field.
 *
 * @param shards                    rings (each with one consumer thread); rooms are assigned by hash
 * @param ringSize                  events per ring, a power of two
 * @param waitStrategy              how an idle consumer waits
 * @param controlReserve            ring slots media may not use, kept for membership events
 * @param cacheMode                 keyframe or gop
 * @param keyframeCapBytes          largest keyframe cached per stream (bytes of packets, headers included)
 * @param gopCapBytes               largest GOP cached per stream (gop mode)
 * @param gopMaxAge                 oldest GOP kept growing (gop mode)
 * @param keyframeRequestInterval   at most one KEYFRAME_REQUEST per stream per interval
 * @param replayBytesPerSecond      pacing rate of one joiner's replay
 * @param replayBurstBytes          bytes a replay may send before pacing starts
 * @param replayQueuePackets        live packets queued behind a running replay before that stream skips to its next keyframe
 * @param maxStreamsPerParticipant  streams one participant may publish
 * @param maxParticipantsPerRoom    members one room may have; a JOIN beyond it is refused (ROOM_FULL)
 * @param maxRooms                  rooms the whole relay (every shard together) may hold; a JOIN that would open
 *                                  one more is refused (TOO_MANY_ROOMS)
 */
public record RelayConfig(
        int shards,
        int ringSize,
        WaitStrategyKind waitStrategy,
        int controlReserve,
        CacheMode cacheMode,
        int keyframeCapBytes,
        int gopCapBytes,
        Duration gopMaxAge,
        Duration keyframeRequestInterval,
        long replayBytesPerSecond,
        int replayBurstBytes,
        int replayQueuePackets,
        int maxStreamsPerParticipant,
        int maxParticipantsPerRoom,
        int maxRooms) {

    public static final int DEFAULT_SHARDS = 1;
    public static final int DEFAULT_RING_SIZE = 16_384;
    public static final int DEFAULT_KEYFRAME_CAP_BYTES = 200 * 1024;
    public static final int DEFAULT_GOP_CAP_BYTES = 2 * 1024 * 1024;
    public static final Duration DEFAULT_GOP_MAX_AGE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_KEYFRAME_REQUEST_INTERVAL = Duration.ofMillis(500);
    /** 1 Gbit/s: what lies beyond the burst (several streams, a GOP) leaves at about 125 KB per millisecond. */
    public static final long DEFAULT_REPLAY_BYTES_PER_SECOND = 125_000_000L;
    /**
     * More than one keyframe at the default cap, so a joiner's first keyframe of one stream goes out unpaced:
     * pacing it cost ~1.4 ms of late join (p50 2.6 vs 4.0 ms at 200 subscribers, docs/PERFORMANCE.md).
     */
    public static final int DEFAULT_REPLAY_BURST_BYTES = 256 * 1024;
    public static final int DEFAULT_REPLAY_QUEUE_PACKETS = 4096;
    public static final int DEFAULT_MAX_STREAMS_PER_PARTICIPANT = 16;
    /** Bounds a packet's fan-out and the JOINED listing (the wire caps it at 65535 anyway). */
    public static final int DEFAULT_MAX_PARTICIPANTS_PER_ROOM = 1000;
    public static final int DEFAULT_MAX_ROOMS = 10_000;

    public RelayConfig {
        require(shards >= 1 && shards <= 256, "shards must be 1..256, was " + shards);
        require(ringSize >= 64 && Integer.bitCount(ringSize) == 1, "ring-size must be a power of two >= 64, was " + ringSize);
        require(waitStrategy != null, "wait-strategy is required");
        require(controlReserve >= 1 && controlReserve < ringSize / 2,
                "control-reserve must be 1..ring-size/2, was " + controlReserve);
        require(cacheMode != null, "cache-mode is required");
        require(keyframeCapBytes >= 1024, "keyframe-cap must be at least 1 KiB, was " + keyframeCapBytes);
        require(gopCapBytes >= keyframeCapBytes, "gop-cap (" + gopCapBytes + ") must be at least keyframe-cap (" + keyframeCapBytes + ")");
        require(gopMaxAge != null && !gopMaxAge.isNegative() && !gopMaxAge.isZero(), "gop-max-age must be positive");
        require(keyframeRequestInterval != null && !keyframeRequestInterval.isNegative(), "keyframe-request-interval must be >= 0");
        require(replayBytesPerSecond >= 10_000, "replay-rate must be at least 10000 bytes/s, was " + replayBytesPerSecond);
        require(replayBurstBytes >= 0, "replay-burst must be >= 0");
        require(replayQueuePackets >= 16, "replay-queue must be at least 16 packets, was " + replayQueuePackets);
        require(maxStreamsPerParticipant >= 1 && maxStreamsPerParticipant <= 1024,
                "max-streams must be 1..1024, was " + maxStreamsPerParticipant);
        require(maxParticipantsPerRoom >= 1 && maxParticipantsPerRoom <= 65_535,
                "max-participants-per-room must be 1..65535, was " + maxParticipantsPerRoom);
        require(maxRooms >= 1, "max-rooms must be at least 1, was " + maxRooms);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static RelayConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder; every setter returns this. */
    public static final class Builder {
        private int shards = DEFAULT_SHARDS;
        private int ringSize = DEFAULT_RING_SIZE;
        // LITE_BLOCKING signals the consumer only when it sleeps: 1.7x the hop throughput of BLOCKING (docs/PERFORMANCE.md).
        private WaitStrategyKind waitStrategy = WaitStrategyKind.LITE_BLOCKING;
        private int controlReserve = -1;
        private CacheMode cacheMode = CacheMode.KEYFRAME;
        private int keyframeCapBytes = DEFAULT_KEYFRAME_CAP_BYTES;
        private int gopCapBytes = DEFAULT_GOP_CAP_BYTES;
        private Duration gopMaxAge = DEFAULT_GOP_MAX_AGE;
        private Duration keyframeRequestInterval = DEFAULT_KEYFRAME_REQUEST_INTERVAL;
        private long replayBytesPerSecond = DEFAULT_REPLAY_BYTES_PER_SECOND;
        private int replayBurstBytes = DEFAULT_REPLAY_BURST_BYTES;
        private int replayQueuePackets = DEFAULT_REPLAY_QUEUE_PACKETS;
        private int maxStreamsPerParticipant = DEFAULT_MAX_STREAMS_PER_PARTICIPANT;
        private int maxParticipantsPerRoom = DEFAULT_MAX_PARTICIPANTS_PER_ROOM;
        private int maxRooms = DEFAULT_MAX_ROOMS;

        private Builder() {
        }

        private Builder(RelayConfig c) {
            shards = c.shards;
            ringSize = c.ringSize;
            waitStrategy = c.waitStrategy;
            controlReserve = c.controlReserve;
            cacheMode = c.cacheMode;
            keyframeCapBytes = c.keyframeCapBytes;
            gopCapBytes = c.gopCapBytes;
            gopMaxAge = c.gopMaxAge;
            keyframeRequestInterval = c.keyframeRequestInterval;
            replayBytesPerSecond = c.replayBytesPerSecond;
            replayBurstBytes = c.replayBurstBytes;
            replayQueuePackets = c.replayQueuePackets;
            maxStreamsPerParticipant = c.maxStreamsPerParticipant;
            maxParticipantsPerRoom = c.maxParticipantsPerRoom;
            maxRooms = c.maxRooms;
        }

        public Builder shards(int v) { shards = v; return this; }
        public Builder ringSize(int v) { ringSize = v; return this; }
        public Builder waitStrategy(WaitStrategyKind v) { waitStrategy = v; return this; }
        /** Default: ring-size / 16 (at least 8). */
        public Builder controlReserve(int v) { controlReserve = v; return this; }
        public Builder cacheMode(CacheMode v) { cacheMode = v; return this; }
        public Builder keyframeCapBytes(int v) { keyframeCapBytes = v; return this; }
        public Builder gopCapBytes(int v) { gopCapBytes = v; return this; }
        public Builder gopMaxAge(Duration v) { gopMaxAge = v; return this; }
        public Builder keyframeRequestInterval(Duration v) { keyframeRequestInterval = v; return this; }
        public Builder replayBytesPerSecond(long v) { replayBytesPerSecond = v; return this; }
        public Builder replayBurstBytes(int v) { replayBurstBytes = v; return this; }
        public Builder replayQueuePackets(int v) { replayQueuePackets = v; return this; }
        public Builder maxStreamsPerParticipant(int v) { maxStreamsPerParticipant = v; return this; }
        public Builder maxParticipantsPerRoom(int v) { maxParticipantsPerRoom = v; return this; }
        public Builder maxRooms(int v) { maxRooms = v; return this; }

        public RelayConfig build() {
            int reserve = controlReserve > 0 ? controlReserve : Math.max(8, ringSize / 16);
            return new RelayConfig(shards, ringSize, waitStrategy, reserve, cacheMode, keyframeCapBytes,
                    gopCapBytes, gopMaxAge, keyframeRequestInterval, replayBytesPerSecond, replayBurstBytes,
                    replayQueuePackets, maxStreamsPerParticipant, maxParticipantsPerRoom, maxRooms);
        }
    }
}
