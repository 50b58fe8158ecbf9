package io.kfrelay.telemetry;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * The JVM underneath: heap and off-heap memory (the keyframe cache and Netty's buffers live off-heap), GC,
 * threads, uptime.
 */
public final class JvmMetricsSource implements MetricSource {

    @Override
    public void collect(MetricWriter out) {
        var memory = ManagementFactory.getMemoryMXBean();
        memoryArea(out, "heap", memory.getHeapMemoryUsage());
        memoryArea(out, "nonheap", memory.getNonHeapMemoryUsage());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            out.gauge("kfrelay_jvm_buffer_pool_used_bytes", "Memory used by a JVM buffer pool (direct, mapped)",
                    pool.getMemoryUsed(), "pool", pool.getName());
        }
        out.gauge("kfrelay_netty_direct_memory_used_bytes", "Direct memory Netty's allocators hold (pooled buffers)",
                PlatformDependent.usedDirectMemory());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            out.counter("kfrelay_jvm_gc_collections_total", "Collections by collector", Math.max(0, gc.getCollectionCount()),
                    "gc", gc.getName());
            out.counter("kfrelay_jvm_gc_collection_seconds_total", "Time spent in collections, by collector",
                    Math.max(0, gc.getCollectionTime()) / 1000.0, "gc", gc.getName());
        }
        out.gauge("kfrelay_jvm_threads", "Live platform threads", ManagementFactory.getThreadMXBean().getThreadCount());
        out.gauge("kfrelay_process_uptime_seconds", "Seconds since the JVM started",
                ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
    }

    private static void memoryArea(MetricWriter out, String area, MemoryUsage usage) {
        out.gauge("kfrelay_jvm_memory_used_bytes", "JVM memory in use", usage.getUsed(), "area", area);
        out.gauge("kfrelay_jvm_memory_committed_bytes", "JVM memory committed by the OS", usage.getCommitted(),
                "area", area);
        if (usage.getMax() >= 0) {
            out.gauge("kfrelay_jvm_memory_max_bytes", "Most JVM memory the area may use", usage.getMax(), "area", area);
        }
    }
}
