package io.kfrelay.media.opus;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes raw Opus packets (one WebCodecs EncodedAudioChunk each) as an Ogg Opus file (RFC 7845): an OpusHead
 * page, an OpusTags page, then the packets, a page per second of audio (or less when 255 lacing values fill it),
 * each page's granule position the 48 kHz samples of every packet up to its last one, the last page flagged
 * end-of-stream by {@link #close}.
 *
 * <p><b>Header.</b> {@value #CHANNELS} channels whatever the packets code: nothing tells the recorder how many the
 * publisher encodes, and the stereo bit of a packet does not say it either (a stereo encoder may code a quiet or
 * low-rate stretch as mono); a decoder asked for two channels puts a mono packet on both, so nothing is lost, a
 * mono stream decodes as two equal channels. This is also how the web client's player decodes every publisher.
 * Pre-skip {@value #PRE_SKIP}: the encoder's look-ahead (312 samples for libopus) only precedes a stream's very
 * first packet, which a recording that joins late never has; with 0 the file lasts exactly as long as its packets.
 * Input rate 48 kHz, output gain 0, mapping family 0 (mono or stereo, no channel table).
 *
 * <p><b>Bad packets.</b> A packet that is not a well-formed Opus packet ({@link OpusPacket#samples} -1: empty, a
 * code 3 without its count byte, over 120 ms, frame lengths that do not fit) is not written and is counted.
 *
 * <p><b>Gaps.</b> {@link #conceal} fills lost time with packets of zero-length frames, which a decoder fills by
 * loss concealment (RFC 7845 §4.1: an Ogg Opus stream's granule positions may not jump).
 *
 * <p>Not thread-safe. {@link #close} does not close the output stream.
 */
public final class OggOpusWriter implements AutoCloseable {
    public static final int CHANNELS = 2;
    public static final int PRE_SKIP = 0;
    public static final String VENDOR = "kfrelay";
    /** A page is ended once it holds this much audio: one second. */
    static final int PAGE_SAMPLES = 48_000;

    private final OggPageWriter pages;
    private long granule;
    private long samplesOnPage;
    private long packets;
    private long invalidPackets;
    private long concealedSamples;
    private int lastToc = -1;

    /** Writes the two header pages at once. */
    public OggOpusWriter(OutputStream out, int serial) throws IOException {
        this.pages = new OggPageWriter(out, serial);
        pages.packet(opusHead(), 0);
        pages.endPage(); // OpusHead alone on the first page
        pages.packet(opusTags(), 0);
        pages.endPage(); // audio starts on a page of its own
    }

    static byte[] opusHead() {
        byte[] h = new byte[19];
        System.arraycopy("OpusHead".getBytes(StandardCharsets.US_ASCII), 0, h, 0, 8);
        h[8] = 1; // version
        h[9] = CHANNELS;
        h[10] = (byte) PRE_SKIP;
        h[11] = (byte) (PRE_SKIP >>> 8);
        int rate = 48_000; // input sample rate, informational
        for (int i = 0; i < 4; i++) {
            h[12 + i] = (byte) (rate >>> (8 * i));
        }
        // 16-17 output gain 0, 18 mapping family 0
        return h;
    }

    static byte[] opusTags() {
        byte[] vendor = VENDOR.getBytes(StandardCharsets.UTF_8);
        byte[] t = new byte[8 + 4 + vendor.length + 4];
        System.arraycopy("OpusTags".getBytes(StandardCharsets.US_ASCII), 0, t, 0, 8);
        t[8] = (byte) vendor.length; // u32 LE; the vendor string is short
        System.arraycopy(vendor, 0, t, 12, vendor.length);
        // then the number of user comments, u32 LE: 0
        return t;
    }

    /**
     * Writes one Opus packet, or counts it as invalid and leaves it out.
     *
     * @return whether it was written
     */
    public boolean write(byte[] packet, int offset, int length) throws IOException {
        int samples = OpusPacket.samples(packet, offset, length);
        if (samples < 0) {
            invalidPackets++;
            return false;
        }
        lastToc = packet[offset] & 0xFF;
        add(packet, offset, length, samples);
        packets++;
        return true;
    }

    /** {@link #write(byte[], int, int)} of all of {@code packet}. */
    public boolean write(byte[] packet) throws IOException {
        return write(packet, 0, packet.length);
    }

    /**
     * Fills {@code samples} of lost (or not transmitted) audio with packets of zero-length frames shaped like the
     * last packet written (its mode, bandwidth, channels, frame duration): a decoder conceals them. A gap is
     * whole frames (RFC 7845 §4.1: only multiples of 2.5 ms are repairable); {@code samples} measured from
     * timestamps that jitter is rounded to the nearest number of frames, so less than half a frame fills nothing.
     * Nothing before the first packet (there is no shape to copy).
     *
     * @return the samples filled: {@code samples} rounded to whole frames, 0 if no packet came yet
     */
    public long conceal(long samples) throws IOException {
        if (lastToc < 0 || samples <= 0) {
            return 0;
        }
        int frame = OpusPacket.frameSamples(lastToc);
        long frames = (samples + frame / 2) / frame;
        int perPacket = OpusPacket.MAX_SAMPLES / frame;
        for (long left = frames; left > 0; ) {
            int n = (int) Math.min(left, perPacket);
            byte[] loss = OpusPacket.lossPacket(lastToc, n);
            add(loss, 0, loss.length, n * frame);
            left -= n;
        }
        concealedSamples += frames * frame;
        return frames * frame;
    }

    private void add(byte[] packet, int offset, int length, int samples) throws IOException {
        granule += samples;
        pages.packet(packet, offset, length, granule);
        samplesOnPage += samples;
        if (samplesOnPage >= PAGE_SAMPLES) {
            pages.endPage();
            samplesOnPage = 0;
        }
    }

    /** Ends the stream: the last page is flagged end-of-stream. */
    @Override
    public void close() throws IOException {
        pages.close();
    }

    /** Granule position so far: 48 kHz samples of every packet written, concealed ones included. */
    public long granule() {
        return granule;
    }

    /** Duration written so far in milliseconds (pre-skip is 0). */
    public long durationMillis() {
        return granule / 48;
    }

    /** Packets written (not counting concealment packets). */
    public long packets() {
        return packets;
    }

    /** Packets left out as malformed. */
    public long invalidPackets() {
        return invalidPackets;
    }

    /** Samples filled by {@link #conceal}. */
    public long concealedSamples() {
        return concealedSamples;
    }

    /** Bytes written to the stream so far. */
    public long bytesWritten() {
        return pages.bytesWritten();
    }
}
