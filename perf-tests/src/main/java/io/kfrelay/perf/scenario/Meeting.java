package io.kfrelay.perf.scenario;

import io.kfrelay.perf.LoadRun;
import io.kfrelay.perf.PerfOptions;
import io.kfrelay.perf.load.Room;
import io.kfrelay.perf.load.StreamChoice;
import io.kfrelay.perf.media.MediaProfile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Many small rooms where everybody publishes (1 Mbps 30 fps video with 60 KB keyframes, and audio) and receives
 * everybody else. Room sizes cycle through 5..10; each step adds rooms until the participant count is reached.
 * The last member of each new room joins once the others' keyframes are cached: the step's late joiners.
 *
 * <p>With {@code --subscribe-to K} everybody joins with MANUAL_SUBSCRIBE and subscribes to everyone's audio but to
 * only K cameras, those of the K members after it round the room ({@link #cameras}), so that every camera has K
 * receivers: the same rooms and publishers, with the egress a gallery of K faces needs.
 */
public final class Meeting implements Scenario {
    static final List<Integer> FULL_STEPS = List.of(50, 100, 200, 400);
    static final List<Integer> QUICK_STEPS = List.of(15, 30);
    static final int MIN_ROOM = 5;
    static final int MAX_ROOM = 10;

    private final List<Room> rooms = new ArrayList<>();
    private int participants;
    /** {@code --subscribe-to}, for the report; null: everyone receives everything. */
    private Integer subscribeTo;

    @Override
    public String name() {
        return "meeting";
    }

    @Override
    public String description() {
        return "rooms of 5 to 10, everyone publishing 1 Mbps 30 fps video (60 KB keyframes every 4 s) and audio";
    }

    /**
     * The cameras member {@code m} of a room of {@code size} subscribes to with {@code --subscribe-to k}: those of the
     * next {@code k} members round the room (all the others if the room is smaller), never its own.
     */
    static Set<String> cameras(int m, int size, int k) {
        Set<String> c = new LinkedHashSet<>();
        for (int j = 1; j <= Math.min(k, size - 1); j++) {
            c.add(identity((m + j) % size));
        }
        return c;
    }

    private static String identity(int member) {
        return "p" + member;
    }

    /** What member {@code m} of a room of {@code size} receives: null for everything (the default). */
    private static StreamChoice choice(LoadRun run, int m, int size) {
        Integer k = run.options().subscribeTo();
        return k == null ? null : StreamChoice.audioAndCameras(cameras(m, size, k));
    }

    /** Video streams the late joiner (the room's last member) waits for: every other camera, or K of them. */
    static int lateJoinStreams(Integer subscribeTo, int others) {
        return subscribeTo == null ? others : Math.min(subscribeTo, others);
    }

    @Override
    public List<StepSpec> plan(PerfOptions o) {
        List<Integer> counts = o.subscribers() != null ? List.of(o.subscribers()) : o.quick() ? QUICK_STEPS : FULL_STEPS;
        return counts.stream()
                .map(n -> new StepSpec("participants=" + n, n, MediaProfile.MEETING.videoBitsPerSecond(),
                        o.warmup(), o.window()))
                .toList();
    }

    /**
     * Room sizes that add up to exactly {@code total} participants on top of {@code existingRooms} rooms: sizes
     * cycle 5, 6, ..., 10, 5, ...; a remainder too small for a room of its own is spread over the last rooms.
     */
    static List<Integer> roomSizes(int existingRooms, int total) {
        List<Integer> sizes = new ArrayList<>();
        int left = total;
        int i = existingRooms;
        while (left > 0) {
            int size = MIN_ROOM + i % (MAX_ROOM - MIN_ROOM + 1);
            if (left - size < MIN_ROOM && left - size != 0) {
                size = left <= MAX_ROOM ? left : left - MIN_ROOM;
            }
            sizes.add(size);
            left -= size;
            i++;
        }
        return sizes;
    }

    @Override
    public void apply(StepSpec step, LoadRun run) throws Exception {
        subscribeTo = run.options().subscribeTo();
        if (step.count() <= participants) {
            return;
        }
        // Every new room fills up but for one member, the caches settle, then each room's last member joins as
        // the late joiner: to the other members' streams, all with a keyframe cached.
        List<Room> added = new ArrayList<>();
        List<Integer> sizes = roomSizes(rooms.size(), step.count() - participants);
        for (int size : sizes) {
            Room room = run.room("meeting-" + rooms.size());
            rooms.add(room);
            added.add(room);
            for (int m = 0; m < size - 1; m++) {
                run.joinPublisher(room, identity(m), MediaProfile.MEETING, 0, false, choice(run, m, size));
            }
        }
        run.letFirstKeyframesSettle();
        for (int r = 0; r < added.size(); r++) {
            int size = sizes.get(r);
            int last = size - 1;
            run.joinPublisher(added.get(r), identity(last), MediaProfile.MEETING,
                    lateJoinStreams(run.options().subscribeTo(), last), false, choice(run, last, size));
            participants += size;
        }
    }

    @Override
    public Map<String, Object> params(StepSpec step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("participants", step.count());
        m.put("rooms", rooms.size());
        m.put("video_bps", step.videoBitsPerSecond());
        m.put("subscribe_to", subscribeTo == null ? "all" : subscribeTo);
        return m;
    }
}
