package io.kfrelay.metrics;

/**
 * What became of client-originated requests that are not membership (keyframe requests, stream ends, subscription changes): coalesced per
 * session, so a client cannot fill its shard's ring with them, and shed when the ring is under pressure.
 */
public enum ClientRequest {
    /** A keyframe request for a stream the session had already asked about, not yet handled: merged. */
    KEYFRAME_COALESCED,
    /** A keyframe request dropped: the session had too many pending, or the ring was under pressure. */
    KEYFRAME_SHED,
    /** A stream end for a stream whose end was already pending: merged. */
    STREAM_END_COALESCED,
    /** A stream end the session could not queue (too many pending): the stream ends when the publisher leaves. */
    STREAM_END_SHED,
    /** A subscription change for a stream whose change was already pending: replaced by the newer one. */
    SUBSCRIPTION_COALESCED,
    /** A subscription change refused: the session had too many pending (the client hears TOO_MANY_PENDING). */
    SUBSCRIPTION_REFUSED,
    /** Requests handed to the shard in one command. */
    BATCHES
}
