package io.kfrelay.cli;

/**
 * Turns SIGTERM/SIGINT into a graceful stop with exit status 0. A JVM killed by a signal runs its shutdown
 * hooks and then exits with 128 + the signal number; this hook runs the stop action and then ends the
 * process with 0 itself, because stopping on request is a success. Disarm it before a normal exit so that
 * the program's own exit status stands.
 */
final class GracefulExit {
    private final Thread hook;

    private GracefulExit(Runnable stop) {
        this.hook = new Thread(() -> {
            try {
                stop.run();
            } catch (RuntimeException e) {
                System.err.println("kfrelay: error while stopping: " + e);
            } finally {
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(0);
            }
        }, "kfrelay-shutdown");
    }

    static GracefulExit arm(Runnable stop) {
        GracefulExit g = new GracefulExit(stop);
        Runtime.getRuntime().addShutdownHook(g.hook);
        return g;
    }

    /**
     * Removes the hook. If a signal already started it, the hook owns the exit: wait for it to halt the JVM.
     */
    void disarm() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            try {
                hook.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
