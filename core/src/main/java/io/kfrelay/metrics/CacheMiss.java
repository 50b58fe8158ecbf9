package io.kfrelay.metrics;

/**
 * Why a stream's picture is (partly) not in its cache, as shown to operators (/api/rooms, the log, the metrics):
 * each size limit names the option that raises it.
 */
public enum CacheMiss {
    /** A keyframe larger than {@code --keyframe-cap} was not cached. */
    KEYFRAME_OVER_CAP("--keyframe-cap"),
    /** The GOP reached {@code --gop-cap} and stopped growing. */
    GOP_OVER_CAP("--gop-cap"),
    /** The GOP grew older than {@code --gop-max-age} and stopped growing. */
    GOP_TOO_OLD("--gop-max-age"),
    /** The relay-wide budget had no room (a keyframe not cached, or a GOP stopped growing). */
    OVER_BUDGET("--cache-budget"),
    /** The cache was evicted to make room for another stream's keyframe. */
    EVICTED("--cache-budget");

    private final String option;

    CacheMiss(String option) {
        this.option = option;
    }

    /** The command-line option that would let it fit. */
    public String option() {
        return option;
    }
}
