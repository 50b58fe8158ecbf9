package io.kfrelay.config;

/** What the keyframe cache keeps per (room, sender, video stream). */
public enum CacheMode {
    /** The last complete keyframe. */
    KEYFRAME,
    /** The last complete keyframe plus every later packet of the stream until the next keyframe (capped). */
    GOP;

    public static CacheMode parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "keyframe" -> KEYFRAME;
            case "gop" -> GOP;
            default -> throw new IllegalArgumentException("cache mode must be keyframe or gop, not '" + s + "'");
        };
    }
}
