package io.kfrelay.cluster;

/**
 * Who holds a room's ownership claim (Redis hash {@code kfrelay:room:{NAME}}): the room's origin.
 *
 * @param room      the room's name
 * @param node      the owner's node id
 * @param epoch     the claim's room epoch: every new claim of the room has a higher one
 * @param ttlMillis what is left of the claim's lease when read
 * @param full      the origin serves as many receivers of the room as it may ({@code --cluster-max-receivers}): more
 *                  are served at edges (docs/CLUSTER.md, placement)
 */
public record RoomOwner(String room, String node, long epoch, long ttlMillis, boolean full) {
    public RoomOwner(String room, String node, long epoch, long ttlMillis) {
        this(room, node, epoch, ttlMillis, false);
    }
}
