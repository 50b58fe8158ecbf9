package io.kfrelay.cache;

import io.kfrelay.config.CacheMode;
import io.kfrelay.metrics.EnumCounters;
import io.kfrelay.metrics.KeyframeReject;
import io.kfrelay.metrics.Stat;
import io.kfrelay.protocol.MediaHeader;
import io.netty.buffer.ByteBuf;

/**
 * The keyframe cache of one (room, sender, video stream): a state machine fed every packet of the stream in
 * ring order, by the shard consumer only.
 *
 * <p>Two stores: {@code assembling} collects the packets of a keyframe from FRAME_START to FRAME_END;
 * {@code cached} holds the last complete keyframe (plus, in GOP mode, the packets after it). Promotion swaps
 * them, so a partial keyframe is never visible as the cached one. Sequence continuity is checked inside a
 * keyframe: a gap, a reordering or a missing first packet rejects it.
 *
 * <p>Replay order is {@code cached} then {@code assembling}: that is the stream from the cached keyframe up
 * to the join point, with at most the deltas between them missing (keyframe mode only).
 */
public final class StreamCache implements AutoCloseable {

    private enum Assembly { IDLE, ASSEMBLING, DISCARDING }

    private final CacheMode mode;
    private final int keyframeCapBytes;
    private final int gopCapBytes;
    private final long gopMaxAgeNanos;
    private final EnumCounters<Stat> stats;
    private final EnumCounters<KeyframeReject> rejects;
    private final KeyframeListener listener;

    private PacketStore assembling;
    private PacketStore cached;
    private Assembly assembly = Assembly.IDLE;
    private long expectedSeq;
    /** GOP mode: the cached GOP still takes the stream's packets. */
    private boolean gopOpen;
    private long gopStartNanos;
    private long lastCapacity;
    /** When the keyframe being assembled started, and when the cached one was promoted (cache age). */
    private long assemblyStartNanos;
    private long promotedAtNanos;

    public StreamCache(CacheMode mode, int keyframeCapBytes, int gopCapBytes, long gopMaxAgeNanos,
                       PacketStoreFactory stores, EnumCounters<Stat> stats, EnumCounters<KeyframeReject> rejects) {
        this(mode, keyframeCapBytes, gopCapBytes, gopMaxAgeNanos, stores, stats, rejects, KeyframeListener.NONE);
    }

    public StreamCache(CacheMode mode, int keyframeCapBytes, int gopCapBytes, long gopMaxAgeNanos,
                       PacketStoreFactory stores, EnumCounters<Stat> stats, EnumCounters<KeyframeReject> rejects,
                       KeyframeListener listener) {
        this.listener = listener;
        this.mode = mode;
        this.keyframeCapBytes = keyframeCapBytes;
        this.gopCapBytes = gopCapBytes;
        this.gopMaxAgeNanos = gopMaxAgeNanos;
        this.stats = stats;
        this.rejects = rejects;
        this.assembling = stores.create(keyframeCapBytes);
        this.cached = stores.create(mode == CacheMode.GOP ? gopCapBytes : keyframeCapBytes);
        trackCapacity();
    }

    /** Feeds the next packet of the stream (already validated, in ring order). */
    public void onPacket(MediaHeader packet, long nowNanos) {
        if (packet.isKeyframe()) {
            onKeyframePacket(packet, nowNanos);
        } else {
            onDeltaPacket(packet, nowNanos);
        }
        trackCapacity();
    }

    private void onKeyframePacket(MediaHeader packet, long nowNanos) {
        long seq = packet.sequence();
        // Any keyframe packet starts a new GOP, complete or not: what follows depends on it, not on the cached one.
        gopOpen = false;
        if (packet.isFrameStart()) {
            if (assembly == Assembly.ASSEMBLING) {
                reject(KeyframeReject.INTERRUPTED);
            }
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
        if (assembly == Assembly.ASSEMBLING) {
            if (assembling.bytes() + packet.frameLength() > keyframeCapBytes) {
                reject(KeyframeReject.OVER_CAP);
                assembly = Assembly.DISCARDING;
            } else {
                appendTo(assembling, packet);
                expectedSeq = seq + 1;
                if (packet.isFrameEnd()) {
                    promote(nowNanos);
                }
            }
        }
        if (assembly == Assembly.DISCARDING && packet.isFrameEnd()) {
            assembly = Assembly.IDLE;
        }
    }

    private void onDeltaPacket(MediaHeader packet, long nowNanos) {
        if (assembly == Assembly.ASSEMBLING) {
            reject(KeyframeReject.INTERRUPTED);
        }
        assembly = Assembly.IDLE;
        if (gopOpen) {
            if (cached.bytes() + packet.frameLength() > gopCapBytes || nowNanos - gopStartNanos > gopMaxAgeNanos) {
                // Past a cap the GOP stops growing; the stream acts as in keyframe mode until its next keyframe.
                gopOpen = false;
                stats.increment(Stat.GOPS_TRUNCATED);
            } else {
                appendTo(cached, packet);
            }
        }
    }

    private void promote(long nowNanos) {
        boolean hadEntry = cached.packetCount() > 0;
        long dropped = cached.bytes();
        cached.clear();
        PacketStore complete = assembling;
        assembling = cached;
        cached = complete;
        assembly = Assembly.IDLE;
        stats.add(Stat.CACHE_BYTES, -dropped);
        if (!hadEntry) {
            stats.increment(Stat.CACHE_ENTRIES);
        }
        stats.increment(Stat.KEYFRAMES_PROMOTED);
        gopOpen = mode == CacheMode.GOP;
        gopStartNanos = nowNanos;
        promotedAtNanos = nowNanos;
        listener.promoted(cached.packetCount(), cached.bytes(), nowNanos - assemblyStartNanos);
    }

    /** Discards the partial keyframe and counts why. */
    private void reject(KeyframeReject reason) {
        stats.add(Stat.CACHE_BYTES, -assembling.bytes());
        assembling.clear();
        rejects.increment(reason);
        listener.rejected(reason);
    }

    /** Counts a rejection when nothing was assembled. */
    private void rejectOnly(KeyframeReject reason) {
        rejects.increment(reason);
        listener.rejected(reason);
    }

    private void appendTo(PacketStore store, MediaHeader packet) {
        store.append(packet.buffer(), packet.offset(), packet.frameLength());
        stats.add(Stat.CACHE_BYTES, packet.frameLength());
    }

    private void trackCapacity() {
        long now = assembling.capacity() + cached.capacity();
        if (now != lastCapacity) {
            stats.add(Stat.CACHE_CAPACITY_BYTES, now - lastCapacity);
            lastCapacity = now;
        }
    }

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

    /** Packets a joiner would be replayed now: the cached keyframe (or GOP), then any partial keyframe. */
    public int replayPacketCount() {
        return cached.packetCount() + (isAssembling() ? assembling.packetCount() : 0);
    }

    public long replayBytes() {
        return cached.bytes() + (isAssembling() ? assembling.bytes() : 0);
    }

    /** Copies the replay packets in stream order; see {@link PacketStore#copyTo}. */
    public int copyReplayTo(ByteBuf dst, int[] lengths, int lengthsOffset) {
        int n = cached.copyTo(dst, lengths, lengthsOffset);
        if (isAssembling()) {
            n += assembling.copyTo(dst, lengths, lengthsOffset + n);
        }
        return n;
    }

    /** Bytes of packets held, cached and partial. */
    public long bytes() {
        return cached.bytes() + assembling.bytes();
    }

    public CacheMode mode() {
        return mode;
    }

    /** Frees both stores; the gauges drop by exactly what this stream held. */
    @Override
    public void close() {
        stats.add(Stat.CACHE_BYTES, -bytes());
        if (hasKeyframe()) {
            stats.add(Stat.CACHE_ENTRIES, -1);
        }
        stats.add(Stat.CACHE_CAPACITY_BYTES, -lastCapacity);
        lastCapacity = 0;
        assembling.close();
        cached.close();
    }
}
