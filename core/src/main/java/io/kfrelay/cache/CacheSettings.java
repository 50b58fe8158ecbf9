package io.kfrelay.cache;

import io.kfrelay.config.CacheMode;
import io.kfrelay.config.RelayConfig;

/**
 * What every stream cache of a relay keeps, from {@link RelayConfig}.
 *
 * @param mode             keyframe or gop
 * @param keyframeCapBytes largest keyframe cached per stream
 * @param gopCapBytes      largest GOP cached per stream (gop mode)
 * @param gopMaxAgeNanos   oldest GOP kept growing (gop mode)
 */
public record CacheSettings(CacheMode mode, int keyframeCapBytes, int gopCapBytes, long gopMaxAgeNanos) {

    public static CacheSettings of(RelayConfig config) {
        return new CacheSettings(config.cacheMode(), config.keyframeCapBytes(), config.gopCapBytes(),
                config.gopMaxAge().toNanos());
    }
}
