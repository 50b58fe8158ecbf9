package io.kfrelay.e2e;

import io.kfrelay.protocol.MediaHeader;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What one video stream of a late joiner's recording shows: the replay it got (REPLAY-flagged packets), the holes in
 * its packet sequence from the first replayed packet on, and when its first complete keyframe was there.
 *
 * <p>A hole is a run of sequence numbers between the first packet counted and the highest one received that never
 * arrived. Each is placed against the replay: inside it, at the replay-to-live hand-off (right after the last
 * replayed packet), or in the live part after that.
 *
 * @param packets             packets of the stream
 * @param replayed            REPLAY-flagged packets
 * @param replayedFrames      frames wholly inside the replay (FRAME_START to FRAME_END, consecutive): what a
 *                            recorder writes from the replay
 * @param replayedBytes       bytes of the REPLAY-flagged packets (headers included)
 * @param startsWithReplayedKeyframe the first packet is REPLAY + KEYFRAME + FRAME_START
 * @param replayHoles         holes between the first and the last replayed packet (the cached data itself)
 * @param holes               all holes from the first replayed packet on (or the first packet, without a replay)
 * @param firstKeyframeMicros arrival of the last packet of the first complete keyframe, or -1
 */
record RecordedStream(int packets, int replayed, int replayedFrames, long replayedBytes, boolean startsWithReplayedKeyframe,
                      List<Hole> replayHoles, List<Hole> holes, long firstKeyframeMicros) {

    /** Sequence numbers {@code first..first+missing-1} (counted from the first packet) never arrived. */
    record Hole(long first, long missing, String where) {
        @Override
        public String toString() {
            return missing + " at +" + first + " (" + where + ")";
        }
    }

    static RecordedStream of(List<RecordedPackets.Packet> stream) {
        int firstReplay = -1;
        for (int i = 0; i < stream.size() && firstReplay < 0; i++) {
            firstReplay = stream.get(i).replay() ? i : -1;
        }
        List<RecordedPackets.Packet> counted = stream.subList(Math.max(firstReplay, 0), stream.size());
        long[] ext = extendedSequence(counted);
        TreeSet<Long> all = new TreeSet<>();
        TreeSet<Long> replay = new TreeSet<>();
        long replayedBytes = 0;
        for (int i = 0; i < counted.size(); i++) {
            all.add(ext[i]);
            if (counted.get(i).replay()) {
                replay.add(ext[i]);
                replayedBytes += counted.get(i).size();
            }
        }
        long lastReplay = replay.isEmpty() ? -1 : replay.last();
        boolean startsWithKeyframe = !stream.isEmpty() && stream.getFirst().replay() && stream.getFirst().keyframe()
                && stream.getFirst().frameStart();
        return new RecordedStream(stream.size(), replay.size(), replayedFrames(counted, ext), replayedBytes,
                startsWithKeyframe, holes(replay, lastReplay), holes(all, lastReplay),
                firstCompleteKeyframeMicros(stream));
    }

    /** Sequence numbers relative to the first packet, unwrapped (the wire numbers wrap). */
    private static long[] extendedSequence(List<RecordedPackets.Packet> packets) {
        long[] ext = new long[packets.size()];
        for (int i = 1; i < packets.size(); i++) {
            ext[i] = ext[i - 1] + MediaHeader.seqDelta(packets.get(i - 1).seq(), packets.get(i).seq());
        }
        return ext;
    }

    private static List<Hole> holes(TreeSet<Long> received, long lastReplay) {
        List<Hole> holes = new ArrayList<>();
        Long previous = null;
        for (long s : received) {
            if (previous != null && s > previous + 1) {
                long first = previous + 1;
                String where = s - 1 <= lastReplay ? "inside the replay"
                        : lastReplay < 0 ? "live, no replay"
                        : first == lastReplay + 1 ? "at the replay->live hand-off"
                        : "live, " + (first - lastReplay - 1) + " packets after the hand-off";
                holes.add(new Hole(first, s - first, where));
            }
            previous = s;
        }
        return holes;
    }

    private static int replayedFrames(List<RecordedPackets.Packet> packets, long[] ext) {
        int frames = 0;
        boolean whole = false;
        for (int i = 0; i < packets.size(); i++) {
            RecordedPackets.Packet p = packets.get(i);
            if (!p.replay()) {
                continue;
            }
            if (p.frameStart()) {
                whole = true;
            } else if (i == 0 || !packets.get(i - 1).replay() || ext[i] != ext[i - 1] + 1) {
                whole = false;
            }
            if (p.frameEnd()) {
                frames += whole ? 1 : 0;
                whole = false;
            }
        }
        return frames;
    }

    private static long firstCompleteKeyframeMicros(List<RecordedPackets.Packet> packets) {
        boolean whole = false;
        for (int i = 0; i < packets.size(); i++) {
            RecordedPackets.Packet p = packets.get(i);
            if (p.frameStart()) {
                whole = p.keyframe();
            } else if (i == 0 || MediaHeader.seqDelta(packets.get(i - 1).seq(), p.seq()) != 1) {
                whole = false;
            }
            if (p.frameEnd() && whole) {
                return p.micros();
            }
        }
        return -1;
    }

    long missing() {
        return holes.stream().mapToLong(Hole::missing).sum();
    }

    long replayMissing() {
        return replayHoles.stream().mapToLong(Hole::missing).sum();
    }

    @Override
    public String toString() {
        return packets + " packets, " + replayed + " replayed (" + replayedFrames + " whole frames, " + replayedBytes
                + " bytes), " + (startsWithReplayedKeyframe ? "starting" : "NOT starting") + " with a replayed keyframe; "
                + (holes.isEmpty() ? "no hole" : missing() + " packets missing in " + holes.size() + " holes: "
                + (holes.size() > 5 ? holes.subList(0, 5) + "..." : holes));
    }
}
