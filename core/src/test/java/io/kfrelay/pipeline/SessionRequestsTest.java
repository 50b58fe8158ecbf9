package io.kfrelay.pipeline;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Spec (PROTOCOL.md §4.11): a receiver's pending SUBSCRIBE/UNSUBSCRIBE messages are merged per (publisher, stream),
 * the latest winning, and the relay ends where the messages applied in arrival order would have left it. A simulcast
 * source answers to each of its stream ids, so changes naming two ids of one source must come out in the order of
 * their latest messages: the last one sent decides.
 */
class SessionRequestsTest {
    private static final long CAMERA = 7;

    @Test
    void pendingSubscriptionChangesComeOutInTheOrderOfTheirLatestMessages() {
        SessionRequests requests = new SessionRequests(16, 16, 256);
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 1), 2); // source 1 (streams 1, 2, 3) at layer 2
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 2), 2); // the same, naming its second stream
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 1), 0); // then layer 0: the last word

        assertEquals(List.of("subscribe 7/2 at 2", "subscribe 7/1 at 0"), drain(requests));
    }

    @Test
    void anUnsubscribeAfterASubscribeNamingAnotherStreamOfTheSourceEndsIt() {
        SessionRequests requests = new SessionRequests(16, 16, 256);
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 1), SessionRequests.UNSUBSCRIBE);
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 3), 1);
        requests.addSubscription(SessionRequests.keyframeKey(CAMERA, 1), SessionRequests.UNSUBSCRIBE);

        assertEquals(List.of("subscribe 7/3 at 1", "unsubscribe 7/1"), drain(requests));
    }

    private static List<String> drain(SessionRequests requests) {
        List<String> applied = new ArrayList<>();
        requests.drainTo(new SessionRequests.Sink() {
            @Override
            public void endStream(int streamId) {
                applied.add("end " + streamId);
            }

            @Override
            public void keyframeRequest(long senderId, int streamId) {
                applied.add("keyframe " + senderId + "/" + streamId);
            }

            @Override
            public void subscribe(long publisherId, int streamId, int layer) {
                applied.add("subscribe " + publisherId + "/" + streamId + " at " + layer);
            }

            @Override
            public void unsubscribe(long publisherId, int streamId) {
                applied.add("unsubscribe " + publisherId + "/" + streamId);
            }
        });
        return applied;
    }
}
