package io.kfrelay.perf.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Things that went wrong on the client side during a run: counted, and the first few kept for the report. */
public final class RunCounters {
    private static final int KEEP = 10;

    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong unexpectedCloses = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong joinFailures = new AtomicLong();
    private final AtomicInteger kept = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();

    public void error(String where, Throwable e) {
        errors.incrementAndGet();
        keep(where, e);
    }

    public void unexpectedClose() {
        unexpectedCloses.incrementAndGet();
    }

    public void connectFailed(Throwable e) {
        connectFailures.incrementAndGet();
        keep("connect", e);
    }

    public void joinFailed(Throwable e) {
        joinFailures.incrementAndGet();
        keep("join", e);
    }

    private void keep(String where, Throwable e) {
        if (kept.getAndIncrement() < KEEP) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            firstErrors.add(where + ": " + root);
        }
    }

    public long errors() {
        return errors.get();
    }

    public long unexpectedCloses() {
        return unexpectedCloses.get();
    }

    public long connectFailures() {
        return connectFailures.get();
    }

    public long joinFailures() {
        return joinFailures.get();
    }

    public List<String> firstErrors() {
        return new ArrayList<>(firstErrors);
    }
}
