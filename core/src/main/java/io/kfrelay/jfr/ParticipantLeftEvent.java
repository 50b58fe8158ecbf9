package io.kfrelay.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("kfrelay.ParticipantLeft")
@Label("Participant Left")
@Category({"kfrelay", "Rooms"})
@Description("A participant left, disconnected or was evicted (kick, shutdown).")
@StackTrace(false)
final class ParticipantLeftEvent extends jdk.jfr.Event {
    @Label("Room")
    String room;
    @Label("Participant Id")
    int participantId;
    @Label("Identity")
    String identity;
}
