package io.kfrelay.e2e;

import io.kfrelay.protocol.MediaHeader;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether one receiver's video stream is whole from its first packet on, or cleanly re-primed: it starts with a
 * replayed keyframe start, its sequence numbers are consecutive, and where they are not (the relay's source lost
 * packets, so its cache closed the GOP), the packet after the jump is a keyframe start, from which a decoder is whole
 * again. Anything else (a jump into a delta, a packet twice or backwards, a first packet that is not a replayed
 * keyframe start) is a hole, listed in {@link #problems}.
 *
 * @param packets   video packets of the stream
 * @param replayed  of them, REPLAY-flagged
 * @param reprimes  jumps that land on a keyframe start (a new publisher id counts as one if it starts so)
 * @param skipped   sequence numbers jumped over at those
 * @param problems  what is not whole, at most a few
 */
record Continuity(int packets, int replayed, int reprimes, long skipped, List<String> problems) {

    /** One video packet as a receiver saw it. */
    record Packet(long sender, long seq, int flags) implements PacketFlags {
    }

    /**
     * @param replayExpected the receiver joined a relay that had the stream cached: its first packet must be a
     *                       replayed keyframe start (otherwise a keyframe start, replayed or not)
     */
    static Continuity of(List<Packet> video, boolean replayExpected) {
        List<String> problems = new ArrayList<>();
        int replayed = 0;
        int reprimes = 0;
        long skipped = 0;
        if (video.isEmpty()) {
            problems.add("no video packet");
        } else if (!(video.getFirst().keyframe() && video.getFirst().frameStart())
                || replayExpected && !video.getFirst().replay()) {
            problems.add("the first packet is not a " + (replayExpected ? "replayed " : "") + "keyframe start: "
                    + video.getFirst());
        }
        for (int i = 0; i < video.size(); i++) {
            Packet p = video.get(i);
            replayed += p.replay() ? 1 : 0;
            if (i == 0) {
                continue;
            }
            Packet before = video.get(i - 1);
            boolean sameSender = before.sender() == p.sender();
            int delta = sameSender ? MediaHeader.seqDelta(before.seq(), p.seq()) : 0;
            if (sameSender && delta == 1) {
                continue;
            }
            if ((!sameSender || delta > 1) && p.keyframe() && p.frameStart()) {
                reprimes++;
                skipped += sameSender ? delta - 1 : 0;
            } else if (problems.size() < 5) {
                problems.add("packet " + i + " " + p + " after " + before
                        + (sameSender ? " (seq " + (delta > 1 ? "jumps " + (delta - 1) + " into a non-keyframe" :
                        "goes back " + (1 - delta)) + ")" : " (another sender, not at a keyframe start)"));
            }
        }
        return new Continuity(video.size(), replayed, reprimes, skipped, List.copyOf(problems));
    }

    static Continuity ofReceived(List<Received.Packet> packets, int videoStream, boolean replayExpected) {
        return of(packets.stream().filter(p -> p.stream() == videoStream)
                .map(p -> new Packet(p.sender(), p.seq(), p.flags())).toList(), replayExpected);
    }

    static Continuity ofRecorded(List<RecordedPackets.Packet> packets, int videoStream, boolean replayExpected) {
        return of(packets.stream().filter(p -> p.video() && p.stream() == videoStream)
                .map(p -> new Packet(p.sender(), p.seq(), p.flags())).toList(), replayExpected);
    }

    boolean whole() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return packets + " packets (" + replayed + " replayed), " + reprimes + " re-primes (" + skipped
                + " packets skipped)" + (problems.isEmpty() ? ", no hole" : ", HOLES: " + problems);
    }
}
