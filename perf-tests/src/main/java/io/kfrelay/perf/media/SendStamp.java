package io.kfrelay.perf.media;

import io.netty.buffer.ByteBuf;

/**
 * The send time a synthetic frame carries: {@link System#nanoTime()} as a big-endian long at the start of every
 * packet's payload. The client splits a frame into payloads of {@code maxPayload} bytes, so writing the stamp at
 * each multiple of {@code maxPayload} puts it first in every packet, and a subscriber reads it with one
 * {@code getLong}. Sender and receiver live in the same JVM: one clock, no skew.
 */
public final class SendStamp {
    /** Bytes of the stamp; every packet's payload must hold at least this many ({@link FrameSizes#fit}). */
    public static final int BYTES = Long.BYTES;

    private SendStamp() {
    }

    /** Writes {@code nanos} at offsets 0, maxPayload, 2*maxPayload, ... below {@code length} of {@code frame}. */
    public static void stampChunks(ByteBuf frame, int length, int maxPayload, long nanos) {
        for (int at = 0; at < length; at += maxPayload) {
            frame.setLong(at, nanos);
        }
    }

    /** The stamp of a packet whose payload starts at {@code payloadOffset} of {@code buf}. */
    public static long read(ByteBuf buf, int payloadOffset) {
        return buf.getLong(payloadOffset);
    }
}
