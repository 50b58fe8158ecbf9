package io.kfrelay.room;

/**
 * Told the member count of a room whenever it changes (consumer thread): what the room's producers read to charge
 * each packet they publish by its fan-out (the pipeline's ingress accounting).
 */
@FunctionalInterface
public interface RoomSizes {
    RoomSizes NONE = (room, members) -> { };

    void changed(String room, int members);
}
