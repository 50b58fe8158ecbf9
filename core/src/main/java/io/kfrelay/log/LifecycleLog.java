package io.kfrelay.log;

import io.netty.util.internal.PlatformDependent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Lifecycle log lines (joins, leaves, keyframes, errors) written off the calling thread: a shard consumer must
 * never wait for a terminal, a pipe or journald. A line goes into a bounded lock-free queue that one daemon
 * thread writes out through SLF4J; when the queue is full the line is dropped and counted, never waited for.
 *
 * <p>Lines are structured as {@code event=NAME key=value ...}: the format's {@code {}} placeholders are
 * filled on the writer thread, and values with spaces, quotes or {@code =} are quoted. Callers check
 * {@link #isInfoEnabled()} / {@link #isDebugEnabled()} first when building the arguments costs anything.
 */
public final class LifecycleLog {
    /** Lines waiting to be written at most; past it they are dropped (a log storm must not eat the heap). */
    static final int CAPACITY = 8192;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final Queue<Line> QUEUE = PlatformDependent.newFixedMpscQueue(CAPACITY);
    private static final LongAdder DROPPED = new LongAdder();
    private static final Thread WRITER = Thread.ofPlatform().daemon().name("kfrelay-log").unstarted(LifecycleLog::writeLoop);
    private static volatile boolean writerStarted;

    private final Logger logger;

    private LifecycleLog(Logger logger) {
        this.logger = logger;
    }

    /** A log named {@code name} (the SLF4J logger name, e.g. {@code io.kfrelay.room}). */
    public static LifecycleLog named(String name) {
        return new LifecycleLog(LoggerFactory.getLogger(name));
    }

    public boolean isInfoEnabled() {
        return logger.isInfoEnabled();
    }

    public boolean isDebugEnabled() {
        return logger.isDebugEnabled();
    }

    public void info(String format, Object... args) {
        if (logger.isInfoEnabled()) {
            enqueue(new Line(logger, Level.INFO, format, args, null));
        }
    }

    public void debug(String format, Object... args) {
        if (logger.isDebugEnabled()) {
            enqueue(new Line(logger, Level.DEBUG, format, args, null));
        }
    }

    public void warn(Throwable error, String format, Object... args) {
        if (logger.isWarnEnabled()) {
            enqueue(new Line(logger, Level.WARN, format, args, error));
        }
    }

    /** Lines dropped because the writer could not keep up. */
    public static long dropped() {
        return DROPPED.sum();
    }

    /** Waits (bounded) until every line queued so far has been written: for shutdown and tests. */
    public static void flush(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!QUEUE.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.unpark(WRITER);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static void enqueue(Line line) {
        if (!writerStarted) {
            startWriter();
        }
        if (!QUEUE.offer(line)) {
            DROPPED.increment();
        }
    }

    private static synchronized void startWriter() {
        // Rare (once per JVM): a lock here is fine; the hot path only reads the volatile flag.
        if (!writerStarted) {
            WRITER.start();
            writerStarted = true;
        }
    }

    private static void writeLoop() {
        while (true) {
            Line line = QUEUE.poll();
            if (line == null) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
                continue;
            }
            try {
                line.write();
            } catch (RuntimeException e) {
                DROPPED.increment(); // a broken backend must not stop the writer
            }
        }
    }

    private record Line(Logger logger, Level level, String format, Object[] args, Throwable error) {
        void write() {
            String message = LogFormat.format(format, args);
            switch (level) {
                case DEBUG -> logger.debug(message, error);
                case INFO -> logger.info(message, error);
                case WARN -> logger.warn(message, error);
                case ERROR -> logger.error(message, error);
                case TRACE -> logger.trace(message, error);
            }
        }
    }
}
