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
 * @param replayWindowBytes         bytes one joiner's replay may have queued in its sink ahead of the transport: the
 *                                  replay is closed-loop, as fast as the joiner drains and never faster
 * @param cacheBudgetBytes          the one relay-wide memory budget of the caches, of what replays hold and of the live
 *                                  packets queued behind replays; 0 = half the JVM's max direct memory
 * @param batchEvents               most ring events a shard handles between two flushes of its sinks
 * @param ringBytes                 most bytes of media a shard's ring may hold; past it media is dropped at ingress
 * @param ringWork                  most deliveries (packets x their receivers) a shard's ring may hold; past half of
 *                                  it a room may only add its fair share (so one room's fan-out cannot crowd out
 *                                  another's packets)
 * @param maxStreamsPerParticipant  streams one participant may publish
 * @param maxParticipantsPerRoom    members one room may have; a JOIN beyond it is refused (ROOM_FULL)
 * @param maxRooms                  rooms the whole relay (every shard together) may hold; a JOIN that would open
 *                                  one more is refused (TOO_MANY_ROOMS)
 * @param autoLayer                 when a receiver on a simulcast source's auto layer moves down and back up
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
        int replayWindowBytes,
        long cacheBudgetBytes,
        int batchEvents,
        long ringBytes,
        long ringWork,
        int maxStreamsPerParticipant,
        int maxParticipantsPerRoom,
        int maxRooms,
        AutoLayerSettings autoLayer) {

    public static final int DEFAULT_SHARDS = 1;
    public static final int DEFAULT_RING_SIZE = 16_384;
    /** A 1080p IDR is commonly 300-600 KB, a busy one 1 MB: twice that still fits. */
    public static final int DEFAULT_KEYFRAME_CAP_BYTES = 2 * 1024 * 1024;
    /** Ten seconds at about 13 Mbit/s, or a 4 s GOP at 30 Mbit/s. */
    public static final int DEFAULT_GOP_CAP_BYTES = 16 * 1024 * 1024;
    public static final Duration DEFAULT_GOP_MAX_AGE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_KEYFRAME_REQUEST_INTERVAL = Duration.ofMillis(500);
    /**
     * Most replays (a keyframe, or several streams' keyframes) go out in one window; a larger GOP waits for the joiner
     * to drain. Within the joiner's queue limits with room for live media (checked by RelayServer).
     */
    public static final int DEFAULT_REPLAY_WINDOW_BYTES = 1024 * 1024;
    /** 0: derived from the JVM's max direct memory ({@code CacheBudget.defaultLimit()}). */
    public static final long DEFAULT_CACHE_BUDGET_BYTES = 0;
    public static final int DEFAULT_BATCH_EVENTS = 256;
    public static final long DEFAULT_RING_BYTES = 64L * 1024 * 1024;
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
        require(replayWindowBytes >= 16 * 1024 && replayWindowBytes <= 64 * 1024 * 1024,
                "replay-window must be 16 KiB..64 MiB, was " + replayWindowBytes);
        require(cacheBudgetBytes == 0 || cacheBudgetBytes >= io.kfrelay.cache.CacheBudget.MIN_BYTES,
                "cache-budget must be 0 (derived) or at least " + io.kfrelay.cache.CacheBudget.MIN_BYTES + " bytes, was " + cacheBudgetBytes);
        require(batchEvents >= 1 && batchEvents <= ringSize, "batch-events must be 1..ring-size, was " + batchEvents);
        require(ringBytes >= 1024 * 1024, "ring-bytes must be at least 1 MiB, was " + ringBytes);
        require(ringWork >= ringSize, "ring-work must be at least ring-size (" + ringSize + "), was " + ringWork);
        require(maxStreamsPerParticipant >= 1 && maxStreamsPerParticipant <= 1024,
                "max-streams must be 1..1024, was " + maxStreamsPerParticipant);
        require(maxParticipantsPerRoom >= 1 && maxParticipantsPerRoom <= 65_535,
                "max-participants-per-room must be 1..65535, was " + maxParticipantsPerRoom);
        require(maxRooms >= 1, "max-rooms must be at least 1, was " + maxRooms);
        require(autoLayer != null, "auto layer settings are required");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The cache budget in bytes: the configured one, or the one derived from the JVM's max direct memory. */
    public long effectiveCacheBudgetBytes() {
        return cacheBudgetBytes > 0 ? cacheBudgetBytes : io.kfrelay.cache.CacheBudget.defaultLimit();
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
        // LITE_BLOCKING signals the consumer only when it sleeps, so a busy ring costs its producers no wake-up
        // (measured against the others: docs/PERFORMANCE.md, JMH).
        private WaitStrategyKind waitStrategy = WaitStrategyKind.LITE_BLOCKING;
        private int controlReserve = -1;
        private CacheMode cacheMode = CacheMode.KEYFRAME;
        private int keyframeCapBytes = DEFAULT_KEYFRAME_CAP_BYTES;
        private int gopCapBytes = DEFAULT_GOP_CAP_BYTES;
        private Duration gopMaxAge = DEFAULT_GOP_MAX_AGE;
        private Duration keyframeRequestInterval = DEFAULT_KEYFRAME_REQUEST_INTERVAL;
        private int replayWindowBytes = DEFAULT_REPLAY_WINDOW_BYTES;
        private long cacheBudgetBytes = DEFAULT_CACHE_BUDGET_BYTES;
        private int batchEvents = -1;
        private long ringBytes = DEFAULT_RING_BYTES;
        private long ringWork = -1;
        private int maxStreamsPerParticipant = DEFAULT_MAX_STREAMS_PER_PARTICIPANT;
        private int maxParticipantsPerRoom = DEFAULT_MAX_PARTICIPANTS_PER_ROOM;
        private int maxRooms = DEFAULT_MAX_ROOMS;
        private AutoLayerSettings autoLayer = AutoLayerSettings.defaults();

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
            replayWindowBytes = c.replayWindowBytes;
            cacheBudgetBytes = c.cacheBudgetBytes;
            batchEvents = c.batchEvents;
            ringBytes = c.ringBytes;
            ringWork = c.ringWork;
            maxStreamsPerParticipant = c.maxStreamsPerParticipant;
            maxParticipantsPerRoom = c.maxParticipantsPerRoom;
            maxRooms = c.maxRooms;
            autoLayer = c.autoLayer;
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
        public Builder replayWindowBytes(int v) { replayWindowBytes = v; return this; }
        /** 0 (the default): half the JVM's max direct memory. */
        public Builder cacheBudgetBytes(long v) { cacheBudgetBytes = v; return this; }
        /** Default: 256, or the ring size if smaller. */
        public Builder batchEvents(int v) { batchEvents = v; return this; }
        public Builder ringBytes(long v) { ringBytes = v; return this; }
        /** Default: ring-size x 256 deliveries (a 2 MB keyframe to 1000 receivers fits). */
        public Builder ringWork(long v) { ringWork = v; return this; }
        public Builder maxStreamsPerParticipant(int v) { maxStreamsPerParticipant = v; return this; }
        public Builder maxParticipantsPerRoom(int v) { maxParticipantsPerRoom = v; return this; }
        public Builder maxRooms(int v) { maxRooms = v; return this; }
        public Builder autoLayer(AutoLayerSettings v) { autoLayer = v; return this; }

        public RelayConfig build() {
            int reserve = controlReserve > 0 ? controlReserve : Math.max(8, ringSize / 16);
            long work = ringWork > 0 ? ringWork : (long) ringSize * 256;
            int batch = batchEvents > 0 ? batchEvents : Math.min(DEFAULT_BATCH_EVENTS, ringSize);
            return new RelayConfig(shards, ringSize, waitStrategy, reserve, cacheMode, keyframeCapBytes,
                    gopCapBytes, gopMaxAge, keyframeRequestInterval, replayWindowBytes, cacheBudgetBytes, batch,
                    ringBytes, work, maxStreamsPerParticipant, maxParticipantsPerRoom, maxRooms, autoLayer);
        }
    }
}
