package io.kfrelay.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("kfrelay.KeyframePromoted")
@Label("Keyframe Promoted")
@Category({"kfrelay", "Cache"})
@Description("A complete keyframe replaced the cached one of its stream.")
@StackTrace(false)
final class KeyframePromotedEvent extends jdk.jfr.Event {
    @Label("Room")
    String room;
    @Label("Sender Id")
    int senderId;
    @Label("Stream Id")
    int streamId;
    @Label("Packets")
    int packets;
    @Label("Size")
    @DataAmount
    long bytes;
    @Label("Assembly Time")
    @Description("From the keyframe's FRAME_START packet to its FRAME_END packet, on the relay's clock")
    @Timespan
    long assembly;
}
