package io.kfrelay.cache;

/** Makes the stores a stream cache needs; one place to choose the storage engine. */
@FunctionalInterface
public interface PacketStoreFactory {
    /** A new empty store that will hold at most about {@code maxBytes} of packets. */
    PacketStore create(int maxBytes);

    PacketStoreFactory CHRONICLE = ChroniclePacketStore::new;
}
