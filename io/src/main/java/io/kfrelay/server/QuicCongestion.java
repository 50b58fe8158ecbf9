package io.kfrelay.server;

import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;

import java.util.Locale;

/**
 * The congestion controller of the relay's QUIC connections (quiche's). Media goes as unreliable datagrams: what a
 * bottleneck drops is lost for good, so the controller decides whether a replay or a keyframe burst arrives whole on
 * a link slower than the relay's own. BBR keeps what is in flight near the path's bandwidth-delay product and so
 * the bottleneck's queue short; loss-based controllers (CUBIC, Reno) grow until the queue overflows, which for
 * datagrams means holes (measured: docs/PERFORMANCE.md, "Late join on real links").
 */
public enum QuicCongestion {
    BBR(QuicCongestionControlAlgorithm.BBR),
    CUBIC(QuicCongestionControlAlgorithm.CUBIC),
    RENO(QuicCongestionControlAlgorithm.RENO);

    private final QuicCongestionControlAlgorithm algorithm;

    QuicCongestion(QuicCongestionControlAlgorithm algorithm) {
        this.algorithm = algorithm;
    }

    public QuicCongestionControlAlgorithm algorithm() {
        return algorithm;
    }

    public static QuicCongestion parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("quic-congestion-control must be bbr, cubic or reno, not '" + s + "'");
        }
    }
}
