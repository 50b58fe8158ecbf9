package io.kfrelay.room;

import java.util.ArrayList;
import java.util.List;

/** A room of one shard: its members and every stream they publish. */
final class Room {
    final String name;
    final List<Participant> members = new ArrayList<>();
    final List<PublishedStream> streams = new ArrayList<>();

    Room(String name) {
        this.name = name;
    }
}
