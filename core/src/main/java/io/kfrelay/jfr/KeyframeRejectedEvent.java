package io.kfrelay.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("kfrelay.KeyframeRejected")
@Label("Keyframe Rejected")
@Category({"kfrelay", "Cache"})
@Description("A keyframe being assembled was dropped (gap, reorder, missing start, over the cap, interrupted).")
@StackTrace(false)
final class KeyframeRejectedEvent extends jdk.jfr.Event {
    @Label("Room")
    String room;
    @Label("Sender Id")
    int senderId;
    @Label("Stream Id")
    int streamId;
    @Label("Reason")
    String reason;
}
