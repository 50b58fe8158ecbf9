package io.kfrelay.e2e;

/** The client transports an end-to-end test runs over: the same spec must hold on each. */
enum Transport {
    /** ws://: one message per binary WebSocket frame over TCP. */
    WS,
    /** quic://: media in QUIC datagrams (lost and reordered for real), control on a stream. */
    QUIC
}
