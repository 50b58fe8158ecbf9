package io.kfrelay.cli;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve --buffer-memory} in a fresh JVM with the launcher's flags: Netty reads its property once, when it first
 * loads, so only a new process shows whether the option really comes first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BufferMemoryIT {
    /** The flags that matter here, from the launcher's line: with them Netty would pick Unsafe by itself. */
    private static final List<String> FLAGS = List.of("--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    @ParameterizedTest
    @CsvSource({"unsafe, true, PooledUnsafeDirectByteBuf, CleanerJava9",
            "memory-segment, false, PooledDirectByteBuf, CleanerJava24Linker"})
    void serveAppliesTheOptionBeforeNettyLoads(String memory, boolean unsafe, String bufferClass, String cleaner)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        cmd.addAll(FLAGS);
        // The leak detector wraps a random 1 in 128 buffers (SimpleLeakAwareByteBuf), which would hide the class looked at.
        cmd.add("-Dio.netty.leakDetection.level=disabled");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), memory));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("hasUnsafe=" + unsafe + " buffer=" + bufferClass + " cleaner=" + cleaner), out);
    }

    /** A fresh JVM: serve with an invalid max-frame-bytes (it stops after applying --buffer-memory), then a look. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            StringWriter err = new StringWriter();
            int status = Main.run(new String[] {"serve", "--buffer-memory", args[0], "--max-frame-bytes", "1"}, Map.of(),
                    new PrintWriter(new StringWriter()), new PrintWriter(err, true));
            if (status != 2 || !err.toString().contains("max-frame-bytes")) {
                System.out.println("unexpected: status " + status + ": " + err);
                System.exit(1);
            }
            var cleaner = PlatformDependent.class.getDeclaredField("CLEANER");
            cleaner.setAccessible(true);
            var buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64);
            System.out.println("hasUnsafe=" + PlatformDependent.hasUnsafe() + " buffer=" + buffer.getClass().getSimpleName()
                    + " cleaner=" + cleaner.get(null).getClass().getSimpleName());
            buffer.release();
        }
    }
}
