package io.kfrelay.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("kfrelay.Replay")
@Label("Keyframe Replay")
@Category({"kfrelay", "Replay"})
@Description("A late joiner's replay of the cached keyframes (or GOPs) completed and was handed over to live media.")
@StackTrace(false)
final class ReplayEvent extends jdk.jfr.Event {
    @Label("Room")
    String room;
    @Label("Participant Id")
    int participantId;
    @Label("Packets")
    int packets;
    @Label("Size")
    @DataAmount
    long bytes;
    @Label("Replay Duration")
    @Description("From the replay's first packet to its last, pacing included")
    @Timespan
    long replayDuration;
    @Label("Queued Live Packets")
    @Description("Live packets and control messages that waited behind the replay")
    int queued;
}
