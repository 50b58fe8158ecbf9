package io.kfrelay.cli;

import io.kfrelay.server.ServerConfig;
import io.kfrelay.transport.AllocatorKind;
import io.kfrelay.transport.ws.WsFramingKind;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** serve's --allocator, --buffer-memory and --ws-framing: parsing, defaults, sources, refusals. */
class BufferOptionsTest {
    @TempDir
    Path tmp;

    private static ServeCommand parse(Map<String, String> env, String... serveArgs) {
        String[] args = new String[serveArgs.length + 1];
        args[0] = "serve";
        System.arraycopy(serveArgs, 0, args, 1, serveArgs.length);
        CommandLine cmd = Main.commandLine(args, env, new PrintWriter(new StringWriter(), true));
        return (ServeCommand) cmd.parseArgs(args).subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsAreAdaptiveUnsafeAndHeaders() {
        ServeCommand serve = parse(Map.of());
        assertEquals(AllocatorKind.ADAPTIVE, serve.serverConfig().allocator());
        assertEquals(WsFramingKind.HEADERS, serve.serverConfig().wsFraming());
        assertEquals(BufferMemory.UNSAFE, serve.buffers.bufferMemory);
        assertEquals(ServerConfig.DEFAULT_ALLOCATOR, serve.serverConfig().allocator());
        assertEquals(ServerConfig.DEFAULT_WS_FRAMING, serve.serverConfig().wsFraming());
    }

    @Test
    void commandLineEnvironmentAndConfigFileSetThem() throws IOException {
        ServeCommand cli = parse(Map.of(), "--allocator", "POOLED", "--ws-framing", "frames",
                "--buffer-memory", "memory-segment");
        assertEquals(AllocatorKind.POOLED, cli.serverConfig().allocator());
        assertEquals(WsFramingKind.FRAMES, cli.serverConfig().wsFraming());
        assertEquals(BufferMemory.MEMORY_SEGMENT, cli.buffers.bufferMemory);

        ServeCommand env = parse(Map.of("KFRELAY_ALLOCATOR", "unpooled", "KFRELAY_BUFFER_MEMORY", "memory-segment"));
        assertEquals(AllocatorKind.UNPOOLED, env.serverConfig().allocator());
        assertEquals(BufferMemory.MEMORY_SEGMENT, env.buffers.bufferMemory);

        Path f = tmp.resolve("kfrelay.properties");
        Files.write(f, List.of("ws-framing=frames", "allocator=unpooled"));
        ServeCommand file = parse(Map.of(), "--config", f.toString());
        assertEquals(WsFramingKind.FRAMES, file.serverConfig().wsFraming());
        assertEquals(AllocatorKind.UNPOOLED, file.serverConfig().allocator());
    }

    @Test
    void unknownValuesAreRefusedWithWhatIsExpected() {
        for (String[] bad : new String[][] {{"--allocator", "jemalloc", "pooled, adaptive or unpooled"},
                {"--buffer-memory", "offheap", "unsafe or memory-segment"}, {"--ws-framing", "mixed", "headers or frames"}}) {
            StringWriter err = new StringWriter();
            int status = Main.run(new String[] {"serve", bad[0], bad[1]}, Map.of(), new PrintWriter(new StringWriter()),
                    new PrintWriter(err, true));
            assertEquals(2, status, bad[0]);
            assertTrue(err.toString().contains(bad[2]), err.toString());
        }
    }

    @Test
    void eachAllocatorKindIsOneSharedInstance() {
        assertSame(PooledByteBufAllocator.DEFAULT, AllocatorKind.POOLED.instance());
        assertSame(UnpooledByteBufAllocator.DEFAULT, AllocatorKind.UNPOOLED.instance());
        assertSame(AllocatorKind.ADAPTIVE.instance(), AllocatorKind.ADAPTIVE.instance());
        assertSame(ByteBufAllocator.DEFAULT, AllocatorKind.ADAPTIVE.instance(), "Netty 4.2's default is adaptive");
    }

    @Test
    void bufferMemoryThatCannotTakeEffectAnyMoreIsAnError() {
        // This JVM's Netty initialized long ago (on Unsafe: the test JVM has the launcher's flags).
        String before = System.getProperty(BufferMemory.PROPERTY);
        try {
            assertTrue(PlatformDependent.hasUnsafe());
            assertNull(BufferMemory.UNSAFE.apply());
            String problem = BufferMemory.MEMORY_SEGMENT.apply();
            assertNotNull(problem);
            assertTrue(problem.contains("did not take effect"), problem);
        } finally {
            if (before == null) {
                System.clearProperty(BufferMemory.PROPERTY);
            } else {
                System.setProperty(BufferMemory.PROPERTY, before);
            }
        }
    }
}
