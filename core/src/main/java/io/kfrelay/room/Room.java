package io.kfrelay.room;

import io.kfrelay.util.IndexedList;

/** A room of one shard: its members and every stream they publish. */
final class Room {
    final String name;
    final IndexedList<Participant> members = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(Participant p) {
            return p.indexInRoom;
        }

        @Override
        public void set(Participant p, int index) {
            p.indexInRoom = index;
        }
    });
    final IndexedList<PublishedStream> streams = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(PublishedStream s) {
            return s.indexInRoom;
        }

        @Override
        public void set(PublishedStream s, int index) {
            s.indexInRoom = index;
        }
    });

    Room(String name) {
        this.name = name;
    }
}
