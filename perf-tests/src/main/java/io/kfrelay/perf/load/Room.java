package io.kfrelay.perf.load;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** One room of the load and its members, publishers and subscribers alike. */
public final class Room {
    private final String name;
    private final List<LoadClient> members = new CopyOnWriteArrayList<>();

    public Room(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public void add(LoadClient c) {
        members.add(c);
    }

    public void removeAll(java.util.Collection<LoadClient> gone) {
        members.removeAll(gone);
    }

    public List<LoadClient> members() {
        return List.copyOf(members);
    }

    public int size() {
        return members.size();
    }

    /** Members who publish. */
    public List<LoadClient> publishers() {
        return members.stream().filter(LoadClient::isPublisher).toList();
    }

    /**
     * Packets that should have reached the measured receivers: for every stream of every publisher, the packets
     * it sent in the window ({@code windowPackets} minus the baseline taken when the window opened) times the
     * room's measured members other than the publisher itself that receive that stream (all of them, unless they
     * chose what to subscribe to).
     */
    public long expectedPackets(Map<SyntheticStream, SyntheticStream.Counters> baseline) {
        long expected = 0;
        for (LoadClient p : publishers()) {
            for (SyntheticStream s : p.streams()) {
                long receivers = members.stream().filter(m -> m != p && m.isMeasured() && m.receives(p, s)).count();
                SyntheticStream.Counters before = baseline.getOrDefault(s, SyntheticStream.Counters.ZERO);
                expected += (s.counters().windowPackets() - before.windowPackets()) * receivers;
            }
        }
        return expected;
    }
}
