package io.kfrelay.perf.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CascadePlanTest {

    @Test
    void receiversAreIncreasingAudienceSizesOneStepEach() {
        assertEquals(List.of(20, 60), CascadePlan.parseAudiences("20,60"));
        assertEquals(List.of(5), CascadePlan.parseAudiences(" 5 "));
        for (String bad : List.of("", "20,", "60,20", "20,20", "0", "501", "x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CascadePlan.parseAudiences(bad), bad);
            assertTrue(e.getMessage().startsWith("--receivers"), e.getMessage());
        }
    }

    @Test
    void defaultsAndQuick() {
        CascadePlan full = CascadePlan.of(null, null, false);
        assertEquals(List.of(20, 60), full.edgeAudiences());
        assertEquals(Duration.ofSeconds(10), full.window());
        assertEquals(10, full.lateJoinersPerNode());
        CascadePlan quick = CascadePlan.of(null, null, true);
        assertEquals(List.of(10, 20), quick.edgeAudiences());
        assertEquals(Duration.ofSeconds(3), quick.window());
        assertEquals(Duration.ofSeconds(20), CascadePlan.of("20,80", Duration.ofSeconds(20), false).window());
    }

    @Test
    void theOriginAloneHasASmallReceiverLimitAndEveryNodeShortLeases() {
        CascadePlan p = CascadePlan.of("20,60", null, false);
        assertEquals(List.of("--cluster", "redis://127.0.0.1:1", "--node-id", "a", "--cluster-lease", "3000ms",
                "--cluster-refresh", "500ms", "--cluster-max-receivers", "4"), p.nodeArgs("redis://127.0.0.1:1", "a"));
        assertEquals("1000", p.nodeArgs("redis://127.0.0.1:1", "b").getLast());
        assertTrue(p.largestRoom() >= 60 + 4 + 20, "every receiver and late joiner fits one node's room");
        assertTrue(p.lifetime().compareTo(Duration.ofMinutes(5)) > 0);
        assertEquals("a", CascadePlan.PUBLISHER_ORDER.getFirst(), "the publisher starts at the origin");
    }
}
