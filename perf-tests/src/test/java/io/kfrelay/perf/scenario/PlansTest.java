package io.kfrelay.perf.scenario;

import io.kfrelay.perf.PerfOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlansTest {

    static PerfOptions options(String scenario, boolean quick, Integer subscribers, Duration duration) {
        return options(scenario, quick, subscribers, duration, null);
    }

    static PerfOptions options(String scenario, boolean quick, Integer subscribers, Duration duration,
                               Integer subscribeTo) {
        return new PerfOptions(scenario, "ws", subscribers, duration, quick, null, 2, 50, 0.01, List.of(), Path.of("."),
                io.kfrelay.perf.media.Pacing.BURST, io.kfrelay.perf.os.CpuPinning.NONE, subscribeTo, null);
    }

    private static List<Integer> counts(List<StepSpec> plan) {
        return plan.stream().map(StepSpec::count).toList();
    }

    @Test
    void largeRoomStepsFrom50To1000UnlessFixed() {
        assertEquals(List.of(50, 100, 200, 500, 1000), counts(new LargeRoom().plan(options("large-room", false, null, null))));
        List<StepSpec> quick = new LargeRoom().plan(options("large-room", true, null, null));
        assertEquals(List.of(50, 100), counts(quick));
        assertEquals("subscribers=50", quick.getFirst().label());
        assertEquals(List.of(300), counts(new LargeRoom().plan(options("large-room", false, 300, null))));
    }

    @Test
    void largeRoomLateJoinersJoinInsideTheWindowTwentyOrFiveQuick() {
        assertEquals(20, LargeRoom.lateJoiners(options("large-room", false, null, null)));
        assertEquals(5, LargeRoom.lateJoiners(options("large-room", true, null, null)));
        assertTrue(new LargeRoom().lateJoinInWindow());
        assertFalse(new Meeting().lateJoinInWindow());
    }

    @Test
    void windowsAndWarmupsFollowQuickAndDuration() {
        StepSpec full = new LargeRoom().plan(options("large-room", false, null, null)).getFirst();
        assertEquals(Duration.ofSeconds(10), full.window());
        assertEquals(Duration.ofSeconds(3), full.warmup());
        StepSpec quick = new LargeRoom().plan(options("large-room", true, null, null)).getFirst();
        assertEquals(Duration.ofSeconds(3), quick.window());
        assertEquals(Duration.ofSeconds(1), quick.warmup());
        StepSpec fixed = new LargeRoom().plan(options("large-room", true, null, Duration.ofSeconds(7))).getFirst();
        assertEquals(Duration.ofSeconds(7), fixed.window());
    }

    @Test
    void aQuickRunOfEveryScenarioFitsInAMinuteOfWindowsAndWarmups() {
        for (String name : Scenario.NAMES) {
            Duration total = Scenario.named(name).plan(options(name, true, null, null)).stream()
                    .map(s -> s.warmup().plus(s.window())).reduce(Duration.ZERO, Duration::plus);
            assertTrue(total.compareTo(Duration.ofSeconds(30)) <= 0, name + " takes " + total);
        }
    }

    @Test
    void meetingRoomsHold5To10AndAddUpExactly() {
        for (int total = 5; total <= 400; total++) {
            List<Integer> sizes = Meeting.roomSizes(0, total);
            assertEquals(total, sizes.stream().mapToInt(Integer::intValue).sum(), "total " + total);
            assertTrue(sizes.stream().allMatch(s -> s >= 5 && s <= 10), total + ": " + sizes);
        }
        assertEquals(List.of(5, 6, 7, 8, 9, 10), Meeting.roomSizes(0, 45));
        assertEquals(List.of(3), Meeting.roomSizes(0, 3), "fewer than five make one small room");
        assertEquals(List.of(6, 7), Meeting.roomSizes(1, 13), "continues the cycle after existing rooms");
    }

    @Test
    void joinStormIsAStormThenItsAftermath() {
        List<StepSpec> plan = new JoinStorm().plan(options("join-storm", false, null, null));
        assertEquals(List.of("storm", "after-storm"), plan.stream().map(StepSpec::label).toList());
        assertEquals(300, plan.getFirst().count());
        assertEquals(JoinStorm.STORM.plusSeconds(5), plan.getFirst().window(), "the storm plus time to settle");
        assertEquals(100, new JoinStorm().plan(options("join-storm", true, null, null)).getFirst().count());
        assertEquals(List.of("--join-timeout", "60s"), new JoinStorm().relayArgs());
    }

    @Test
    void saturationDoublesTheBitrate() {
        List<StepSpec> plan = new Saturation().plan(options("saturation", false, null, null));
        assertEquals(50, plan.getFirst().count());
        for (int i = 1; i < plan.size(); i++) {
            assertEquals(2 * plan.get(i - 1).videoBitsPerSecond(), plan.get(i).videoBitsPerSecond());
        }
        assertEquals("video=2.5Mbps", new Saturation().plan(options("saturation", true, null, null)).getFirst().label());
    }

    @Test
    void unknownScenariosAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scenario.named("huge-room"));
        assertTrue(e.getMessage().contains("large-room, meeting, join-storm, saturation, simulcast"));
    }

    @Test
    void meetingCamerasAreTheNextKRoundTheRoomSoEveryCameraHasKReceivers() {
        assertEquals(java.util.Set.of("p3", "p4", "p0"), Meeting.cameras(2, 5, 3));
        for (int size = 5; size <= 10; size++) {
            for (int k = 0; k <= 12; k++) {
                java.util.Map<String, Integer> receiversOf = new java.util.HashMap<>();
                for (int m = 0; m < size; m++) {
                    java.util.Set<String> c = Meeting.cameras(m, size, k);
                    assertEquals(Math.min(k, size - 1), c.size(), "member " + m + " of " + size + ", k " + k);
                    assertFalse(c.contains("p" + m), "never its own");
                    c.forEach(id -> receiversOf.merge(id, 1, Integer::sum));
                }
                int expected = Math.min(k, size - 1);
                assertTrue(receiversOf.values().stream().allMatch(n -> n == expected), size + "/" + k + ": " + receiversOf);
            }
        }
        assertEquals(4, Meeting.lateJoinStreams(null, 4), "everyone's camera by default");
        assertEquals(2, Meeting.lateJoinStreams(2, 4));
        assertEquals(3, Meeting.lateJoinStreams(9, 3));
    }

    @Test
    void subscribeToIsForMeetingsAndAtMostAThousand() {
        assertEquals(3, options("meeting", true, null, null, 3).subscribeTo());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> options("large-room", true, null, null, 3));
        assertTrue(e.getMessage().contains("meeting"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> options("meeting", true, null, null, -1));
    }

    @Test
    void simulcastIsOneStepOfReceiversWithAnEncoderDelayAndLossFromGaps() {
        List<StepSpec> plan = new Simulcast().plan(options("simulcast", false, null, null));
        assertEquals(List.of(20), counts(plan));
        assertEquals("receivers=20", plan.getFirst().label());
        assertEquals(3_150_000, plan.getFirst().videoBitsPerSecond(), "the three layers together");
        assertEquals(List.of(8), counts(new Simulcast().plan(options("simulcast", true, null, null))));
        assertEquals(List.of(40), counts(new Simulcast().plan(options("simulcast", false, 40, null))));
        assertEquals(2, Simulcast.publishers(options("simulcast", true, null, null)));
        assertEquals(4, Simulcast.publishers(options("simulcast", false, null, null)));
        Simulcast s = new Simulcast();
        assertTrue(s.lossFromGaps());
        assertEquals(Duration.ofMillis(30), s.defaultKeyframeDelay().min());
        assertEquals(Duration.ofMillis(100), s.defaultKeyframeDelay().max());
        assertFalse(new Meeting().lossFromGaps());
        assertEquals(Duration.ZERO, new LargeRoom().defaultKeyframeDelay().max(), "the other scenarios: the next frame");
    }

    @Test
    void simulcastReportsTheRelaysLayerSwitchCountersBySeries() {
        var before = io.kfrelay.perf.os.PromText.parse("""
                kfrelay_layer_switches_served_total{from="cache"} 5
                kfrelay_layer_switches_served_total{from="keyframe_request"} 1
                kfrelay_egress_packets_total 10
                """);
        var after = io.kfrelay.perf.os.PromText.parse("""
                kfrelay_layer_switches_served_total{from="cache"} 45
                kfrelay_layer_switches_served_total{from="keyframe_request"} 3
                kfrelay_egress_packets_total 99
                """);
        var m = Simulcast.relayLayerSwitches(java.util.Optional.of(before), java.util.Optional.of(after));
        assertEquals(42L, m.get("layer_switches_served_total"));
        assertEquals(40L, m.get("layer_switches_served_total{from=\"cache\"}"));
        assertEquals(2L, m.get("layer_switches_served_total{from=\"keyframe_request\"}"));
        assertFalse(m.containsKey("egress_packets_total"));
        assertEquals(null, Simulcast.relayLayerSwitches(java.util.Optional.of(Map.of("x", 1.0)),
                java.util.Optional.of(Map.of("x", 2.0))), "a relay without them: null");
    }
}
