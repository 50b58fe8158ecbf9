package io.kfrelay.cache;

import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.CacheMiss;
import io.kfrelay.metrics.GopClose;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.MediaHeader;

import java.util.List;

/**
 * The keyframe cache of one (room, sender, video stream): a state machine fed every packet of the stream in
 * ring order, by the shard consumer only.
 *
 * <p>Two runs of packets ({@link PacketRun}): {@code assembling} collects a keyframe from FRAME_START to FRAME_END;
 * {@code cached} holds the last complete keyframe (plus, in GOP mode, every packet after it). Promotion swaps them,
 * so a partial keyframe is never visible as the cached one. Continuity is checked inside a keyframe (a gap, a
 * reordering or a missing first packet rejects it) and, in GOP mode, across the whole GOP: a hole would be replayed
 * to every joiner until the next keyframe, so a gap or reorder closes the GOP instead and {@link #onPacket} asks for
 * a keyframe.
 *
 * <p>Joiners are handed {@link RunSlice}s of the runs (a reference, no copy); a run a replay still reads is not
 * reused but let go, and freed by its last reader. Memory comes from the relay-wide budget: a keyframe that finds
 * none may evict ({@link CacheEvictor}), a GOP that finds none stops growing.
 *
 * <p>Replay order is {@code cached} then {@code assembling}: the stream from the cached keyframe up to the join
 * point, with at most the deltas between them missing (keyframe mode, or a GOP that was closed early).
 */
public final class StreamCache implements AutoCloseable {

    private enum Assembly { IDLE, ASSEMBLING, DISCARDING }

    private final ShardCaches shard;
    private final CacheSettings settings;
    private final KeyframeListener listener;
    /** Position in the shard's eviction list; -1 once closed. */
    int evictorIndex = -1;

    private PacketRun assembling;
    private PacketRun cached;
    private Assembly assembly = Assembly.IDLE;
    private long expectedSeq;
    /** GOP mode: the cached GOP still takes the stream's packets, the next one being {@link #gopNextSeq}. */
    private boolean gopOpen;
    private long gopNextSeq;
    private long gopStartNanos;
    private long lastCapacity;
    /** When the keyframe being assembled started, and when the cached one was promoted (cache age). */
    private long assemblyStartNanos;
    private long promotedAtNanos;
    /**
     * The stream's last keyframe went over the cap: the one being assembled now most likely will too, so it is not
     * offered for replay (a replay of its first packets would be followed by more of it live than a catch-up queue
     * takes). Cleared when a keyframe is cached.
     */
    private boolean keyframesOverCap;
    /** Bytes of a keyframe that went over the cap, counted on to its end to tell its size; -1 when none. */
    private long oversizeBytes = -1;
    /** The last time part of a picture did not fit, for operators (/api/rooms). */
    private CacheMiss lastMiss;
    private long lastMissBytes;
    private long lastMissLimit;

    StreamCache(ShardCaches shard, KeyframeListener listener) {
        this.shard = shard;
        this.settings = shard.settings;
        this.listener = listener;
        this.assembling = new PacketRun(shard.segments);
        this.cached = new PacketRun(shard.segments);
        shard.evictor.register(this);
    }

    /**
     * Feeds the next packet of the stream (already validated, in ring order). True when the publisher should be
     * asked for a keyframe (the GOP lost continuity); the caller throttles.
     */
    public boolean onPacket(MediaHeader packet, long nowNanos) {
        boolean wantKeyframe;
        if (packet.isKeyframe()) {
            onKeyframePacket(packet, nowNanos);
            wantKeyframe = false;
        } else {
            wantKeyframe = onDeltaPacket(packet, nowNanos);
        }
        trackCapacity();
        return wantKeyframe;
    }

    private void onKeyframePacket(MediaHeader packet, long nowNanos) {
        long seq = packet.sequence();
        // Any keyframe packet starts a new GOP, complete or not: what follows depends on it, not on the cached one.
        gopOpen = false;
        if (packet.isFrameStart()) {
            if (assembly == Assembly.ASSEMBLING) {
                reject(KeyframeReject.INTERRUPTED);
            }
            reportOversize();
            assembly = Assembly.ASSEMBLING;
            expectedSeq = seq;
            assemblyStartNanos = nowNanos;
        } else if (assembly == Assembly.IDLE) {
            rejectOnly(KeyframeReject.MISSING_START);
            assembly = Assembly.DISCARDING;
        } else if (assembly == Assembly.ASSEMBLING) {
            int delta = MediaHeader.seqDelta(expectedSeq, seq);
            if (delta != 0) {
                reject(delta > 0 ? KeyframeReject.GAP : KeyframeReject.REORDER);
                assembly = Assembly.DISCARDING;
            }
        }
        int length = packet.frameLength();
        if (assembly == Assembly.ASSEMBLING) {
            long sofar = assembling.bytes();
            if (sofar + length > settings.keyframeCapBytes()) {
                keyframesOverCap = true;
                reject(KeyframeReject.OVER_CAP);
                oversizeBytes = sofar + length;
                assembly = Assembly.DISCARDING;
            } else if (!appendKeyframe(packet)) {
                reject(KeyframeReject.OVER_BUDGET);
                missed(CacheMiss.OVER_BUDGET, sofar + length, shard.segments.budget().limit());
                assembly = Assembly.DISCARDING;
            } else {
                expectedSeq = seq + 1;
                if (packet.isFrameEnd()) {
                    promote(nowNanos);
                }
            }
        } else if (assembly == Assembly.DISCARDING && oversizeBytes >= 0) {
            oversizeBytes += length;
        }
        if (assembly == Assembly.DISCARDING && packet.isFrameEnd()) {
            reportOversize();
            assembly = Assembly.IDLE;
        }
    }

    private boolean onDeltaPacket(MediaHeader packet, long nowNanos) {
        if (assembly == Assembly.ASSEMBLING) {
            reject(KeyframeReject.INTERRUPTED);
        }
        reportOversize();
        assembly = Assembly.IDLE;
        if (!gopOpen) {
            return false;
        }
        long seq = packet.sequence();
        int delta = MediaHeader.seqDelta(gopNextSeq, seq);
        if (delta != 0) {
            closeGop(delta > 0 ? GopClose.GAP : GopClose.REORDER);
            return true;
        }
        long grown = cached.bytes() + packet.frameLength();
        if (grown > settings.gopCapBytes()) {
            closeGop(GopClose.BYTES_CAP);
            missed(CacheMiss.GOP_OVER_CAP, grown, settings.gopCapBytes());
        } else if (nowNanos - gopStartNanos > settings.gopMaxAgeNanos()) {
            closeGop(GopClose.AGE_CAP);
            missed(CacheMiss.GOP_TOO_OLD, nowNanos - gopStartNanos, settings.gopMaxAgeNanos());
        } else if (!append(cached, packet)) {
            closeGop(GopClose.BUDGET);
            missed(CacheMiss.OVER_BUDGET, grown, shard.segments.budget().limit());
        } else {
            gopNextSeq = seq + 1;
        }
        return false;
    }

    /** Appends to the keyframe being assembled, making room under the budget if it has to. */
    private boolean appendKeyframe(MediaHeader packet) {
        if (append(assembling, packet)) {
            return true;
        }
        return shard.evictor.makeRoom(this, shard.segments, packet.frameLength(), assembling.capacity())
                && append(assembling, packet);
    }

    private boolean append(PacketRun run, MediaHeader packet) {
        if (!run.append(packet.buffer(), packet.offset(), packet.frameLength())) {
            return false;
        }
        shard.stats.add(Stat.CACHE_BYTES, packet.frameLength());
        return true;
    }

    private void promote(long nowNanos) {
        PacketRun previous = cached;
        if (previous.packetCount() == 0) {
            shard.stats.increment(Stat.CACHE_ENTRIES);
        }
        shard.stats.add(Stat.CACHE_BYTES, -previous.bytes());
        cached = assembling;
        assembling = recycle(previous);
        assembly = Assembly.IDLE;
        keyframesOverCap = false;
        shard.stats.increment(Stat.KEYFRAMES_PROMOTED);
        gopOpen = settings.mode() == CacheMode.GOP;
        gopNextSeq = expectedSeq;
        gopStartNanos = nowNanos;
        promotedAtNanos = nowNanos;
        listener.promoted(cached.packetCount(), cached.bytes(), nowNanos - assemblyStartNanos);
    }

    /** An empty run in place of {@code run}: the same one when only the cache held it, else a new one. */
    private PacketRun recycle(PacketRun run) {
        if (run.isExclusive()) {
            run.clear();
            return run;
        }
        run.releaseFromCache();
        return new PacketRun(shard.segments);
    }

    private void closeGop(GopClose reason) {
        gopOpen = false;
        shard.stats.increment(Stat.GOPS_TRUNCATED);
        shard.gopCloses.increment(reason);
        listener.gopClosed(reason);
    }

    /** Discards the partial keyframe and counts why. */
    private void reject(KeyframeReject reason) {
        shard.stats.add(Stat.CACHE_BYTES, -assembling.bytes());
        assembling = recycle(assembling);
        rejectOnly(reason);
    }

    /** Counts a rejection when nothing was assembled. */
    private void rejectOnly(KeyframeReject reason) {
        shard.rejects.increment(reason);
        listener.rejected(reason);
    }

    /** A keyframe that went over the cap has ended (or was cut short): tell its size once. */
    private void reportOversize() {
        if (oversizeBytes >= 0) {
            missed(CacheMiss.KEYFRAME_OVER_CAP, oversizeBytes, settings.keyframeCapBytes());
            oversizeBytes = -1;
        }
    }

    private void missed(CacheMiss reason, long bytes, long limit) {
        lastMiss = reason;
        lastMissBytes = bytes;
        lastMissLimit = limit;
        shard.misses.increment(reason);
        listener.missed(reason, bytes, limit);
    }

    private void trackCapacity() {
        long now = assembling.capacity() + cached.capacity();
        if (now != lastCapacity) {
            shard.stats.add(Stat.CACHE_CAPACITY_BYTES, now - lastCapacity);
            lastCapacity = now;
        }
    }

    // ---------------------------------------------------------------- the budget's side

    /** Memory this cache would give back now if evicted (what replays still read stays until they are done). */
    long freeableBytes() {
        return (cached.isExclusive() ? cached.capacity() : 0) + (assembling.isExclusive() ? assembling.capacity() : 0);
    }

    /** Memory this cache holds now. */
    long heldBytes() {
        return cached.capacity() + assembling.capacity();
    }

    /**
     * Short of memory while a new keyframe is assembled: the previous keyframe or GOP, about to be replaced, goes
     * first. True if that gave anything back.
     */
    boolean dropPreviousForBudget() {
        if (cached.packetCount() == 0 || !cached.isExclusive()) {
            return false;
        }
        shard.stats.add(Stat.CACHE_BYTES, -cached.bytes());
        shard.stats.add(Stat.CACHE_ENTRIES, -1);
        cached = recycle(cached);
        gopOpen = false;
        trackCapacity();
        return true;
    }

    /** Another stream's keyframe needs the memory: everything cached here goes, counted and visible. */
    void evict() {
        long held = bytes();
        shard.stats.add(Stat.CACHE_BYTES, -held);
        if (cached.packetCount() > 0) {
            shard.stats.add(Stat.CACHE_ENTRIES, -1);
        }
        cached = recycle(cached);
        assembling = recycle(assembling);
        if (assembly == Assembly.ASSEMBLING) {
            assembly = Assembly.DISCARDING; // the rest of that keyframe is dropped: its start is gone
        }
        gopOpen = false;
        shard.stats.increment(Stat.CACHE_EVICTIONS);
        missed(CacheMiss.EVICTED, held, shard.segments.budget().limit());
        trackCapacity();
    }

    // ---------------------------------------------------------------- joiners

    /**
     * Adds what a joiner is replayed now, as retained slices: the cached keyframe (or GOP), then any keyframe being
     * assembled. Constant work per stream, whatever is cached. The caller closes the slices.
     */
    public void replaySlices(List<RunSlice> out) {
        if (cached.packetCount() > 0) {
            out.add(cached.slice());
        }
        if (replaysAssembling()) {
            out.add(assembling.slice());
        }
    }

    // ---------------------------------------------------------------- inspection

    /** A complete keyframe is cached. */
    public boolean hasKeyframe() {
        return cached.packetCount() > 0;
    }

    /** When the cached keyframe was promoted, on the relay's clock; meaningful only while {@link #hasKeyframe()}. */
    public long promotedAtNanos() {
        return promotedAtNanos;
    }

    /** A keyframe is being assembled right now. */
    public boolean isAssembling() {
        return assembly == Assembly.ASSEMBLING;
    }

    /** Packets of the complete cached keyframe (and GOP). */
    public int cachedPacketCount() {
        return cached.packetCount();
    }

    /**
     * Packets a joiner would be replayed now: the cached keyframe (or GOP), then any partial keyframe (unless the
     * stream's last keyframe went over the cap).
     */
    public int replayPacketCount() {
        return cached.packetCount() + (replaysAssembling() ? assembling.packetCount() : 0);
    }

    public long replayBytes() {
        return cached.bytes() + (replaysAssembling() ? assembling.bytes() : 0);
    }

    private boolean replaysAssembling() {
        return assembly == Assembly.ASSEMBLING && !keyframesOverCap && assembling.packetCount() > 0;
    }

    /** Bytes of packets held, cached and partial. */
    public long bytes() {
        return cached.bytes() + assembling.bytes();
    }

    /** Segment memory this stream's cache holds (at least {@link #bytes()}). */
    public long capacity() {
        return lastCapacity;
    }

    /**
     * What a joiner is replayed now is followed by the live stream with no gap: the replay ends in a GOP that still
     * grows, or in the keyframe being assembled (its remaining packets and what follows come live). Otherwise deltas
     * went by that the replay does not hold, and only a fresh keyframe makes the picture whole.
     */
    public boolean replayContinuesLive() {
        return gopOpen || replaysAssembling();
    }

    public CacheMode mode() {
        return settings.mode();
    }

    /** The last time part of a picture did not fit (null: never), with its size and the limit it met. */
    public CacheMiss lastMiss() {
        return lastMiss;
    }

    public long lastMissBytes() {
        return lastMissBytes;
    }

    public long lastMissLimit() {
        return lastMissLimit;
    }

    /** Lets go of both runs (freed now, or by the last replay reading them); the gauges drop by exactly what this held. */
    @Override
    public void close() {
        if (evictorIndex < 0) {
            return;
        }
        shard.stats.add(Stat.CACHE_BYTES, -bytes());
        if (hasKeyframe()) {
            shard.stats.add(Stat.CACHE_ENTRIES, -1);
        }
        shard.stats.add(Stat.CACHE_CAPACITY_BYTES, -lastCapacity);
        lastCapacity = 0;
        assembling.releaseFromCache();
        cached.releaseFromCache();
        shard.evictor.unregister(this);
    }
}
