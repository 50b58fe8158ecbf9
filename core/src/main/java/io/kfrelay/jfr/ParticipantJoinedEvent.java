package io.kfrelay.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("kfrelay.ParticipantJoined")
@Label("Participant Joined")
@Category({"kfrelay", "Rooms"})
@Description("A JOIN was accepted by its shard (a replay, if any, follows as kfrelay.Replay).")
@StackTrace(false)
final class ParticipantJoinedEvent extends jdk.jfr.Event {
    @Label("Room")
    String room;
    @Label("Participant Id")
    int participantId;
    @Label("Identity")
    String identity;
    @Label("Shard")
    int shard;
}
