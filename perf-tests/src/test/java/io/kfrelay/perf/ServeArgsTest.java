package io.kfrelay.perf;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeArgsTest {
    private static final String TODAY = "--ws-listen=HOST:PORT --quic-listen=HOST:PORT|off --admin-listen=HOST:PORT "
            + "--join-rate-per-address=N --max-pending-per-address=N --ingress-packet-rate=N --ingress-byte-rate=SIZE "
            + "--max-participants-per-room=N";

    @Test
    void aRelayWithEverythingGetsLoopbackListenersAndLiftedPerAddressLimits() {
        ServeArgs a = ServeArgs.plan(TODAY, "ws", 1016, 9999, 7777);
        assertEquals(List.of("--ws-listen", "127.0.0.1:0", "--quic-listen", "off", "--admin-listen", "127.0.0.1:9999",
                "--join-rate-per-address", "0", "--max-pending-per-address", "0", "--ingress-packet-rate", "0",
                "--ingress-byte-rate", "0", "--max-participants-per-room", "1016"), a.args());
        assertEquals(URI.create("http://127.0.0.1:9999/metrics"), a.metricsUrl());
        assertNull(a.quicUrl());
        assertTrue(a.notes().getFirst().contains("--join-rate-per-address 0"));
    }

    @Test
    void quicListensOnTheChosenPort() {
        ServeArgs a = ServeArgs.plan(TODAY, "quic", 100, 9999, 7777);
        assertTrue(a.args().containsAll(List.of("--quic-listen", "127.0.0.1:7777")));
        assertEquals(URI.create("quic://127.0.0.1:7777"), a.quicUrl());
        assertTrue(!a.args().contains("--max-participants-per-room"), "the default cap of 1000 is enough");
    }

    @Test
    void anOlderRelayGetsOnlyWhatItKnows() {
        ServeArgs a = ServeArgs.plan("--ws-listen=HOST:PORT", "ws", 100, 9999, 7777);
        assertEquals(List.of("--ws-listen", "127.0.0.1:0"), a.args());
        assertNull(a.metricsUrl());
        assertTrue(a.notes().getFirst().startsWith("offheap_cache_bytes is null"));
        assertNotNull(ServeArgs.plan("--ws-listen=HOST:PORT", "quic", 100, 1, 2).error());
    }

    @Test
    void durationsParseLikeTheRelaysOwn() {
        assertEquals(Duration.ofMillis(500), PerfOptions.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(10), PerfOptions.parseDuration("10s"));
        assertEquals(Duration.ofSeconds(10), PerfOptions.parseDuration("10"));
        assertEquals(Duration.ofMinutes(2), PerfOptions.parseDuration("2m"));
        assertThrows(IllegalArgumentException.class, () -> PerfOptions.parseDuration("ten seconds"));
        assertThrows(IllegalArgumentException.class, () -> new PerfOptions("large-room", "tcp", null, null, true,
                null, 2, 50, 0.01, List.of(), java.nio.file.Path.of("."),
                io.kfrelay.perf.media.Pacing.BURST, io.kfrelay.perf.os.CpuPinning.NONE, null, null));
    }

    @Test
    void cpuPinningTakesTasksetListsAndPrefixesTheRelayOnly() {
        var pin = new io.kfrelay.perf.os.CpuPinning("0", "1-3,5");
        assertEquals(List.of("taskset", "-c", "0"), pin.relayCommandPrefix());
        assertEquals(List.of(), io.kfrelay.perf.os.CpuPinning.NONE.relayCommandPrefix());
        var e = assertThrows(IllegalArgumentException.class, () -> new io.kfrelay.perf.os.CpuPinning("0;rm", null));
        assertTrue(e.getMessage().contains("--relay-cpus"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new io.kfrelay.perf.os.CpuPinning(null, "1-"));
    }
}
