package io.kfrelay.metrics;

/**
 * Why a cached GOP stopped growing before the stream's next keyframe (gop mode). From then on the stream's cache
 * behaves as in keyframe mode until that keyframe: joiners get the keyframe and the deltas before the close.
 */
public enum GopClose {
    /** It reached {@code --gop-cap} bytes. */
    BYTES_CAP,
    /** It grew older than {@code --gop-max-age}. */
    AGE_CAP,
    /** The relay-wide cache budget had no room for it to grow. */
    BUDGET,
    /** A packet of the stream was missing (lost upstream, or dropped at a full ring): a cached hole would be replayed to every joiner. */
    GAP,
    /** A packet arrived out of order or twice. */
    REORDER
}
