package io.kfrelay.room;

import java.util.ArrayList;
import java.util.List;

/** A room of one shard: its members and every stream they publish, each list with O(1) removal. */
final class Room {
    final String name;
    final List<Participant> members = new ArrayList<>();
    final List<PublishedStream> streams = new ArrayList<>();

    Room(String name) {
        this.name = name;
    }

    void addMember(Participant p) {
        p.indexInRoom = members.size();
        members.add(p);
    }

    void removeMember(Participant p) {
        int i = p.indexInRoom;
        Participant last = members.removeLast();
        if (last != p) {
            members.set(i, last);
            last.indexInRoom = i;
        }
        p.indexInRoom = -1;
    }

    void addStream(PublishedStream s) {
        s.indexInRoom = streams.size();
        streams.add(s);
    }

    void removeStream(PublishedStream s) {
        int i = s.indexInRoom;
        if (i < 0) {
            return;
        }
        PublishedStream last = streams.removeLast();
        if (last != s) {
            streams.set(i, last);
            last.indexInRoom = i;
        }
        s.indexInRoom = -1;
    }

    boolean hasStream(PublishedStream s) {
        return s.indexInRoom >= 0;
    }
}
