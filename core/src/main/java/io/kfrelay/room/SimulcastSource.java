package io.kfrelay.room;

import io.kfrelay.util.IndexedList;

/**
 * One video source a publisher sends as up to three layers (SIMULCAST), lowest quality first; the first layer's
 * stream id names it. Each layer is a stream of its own, with its own cache; a layer is "started" while its stream
 * exists. Receivers subscribe to the source ({@link SourceSubscription}) and get one layer at a time.
 */
final class SimulcastSource {
    final Participant owner;
    final int[] streamIds;
    /** The started layer streams, by layer; null where a layer has not started (or has ended). */
    final PublishedStream[] layers;
    final IndexedList<SourceSubscription> subscribers = new IndexedList<>(new IndexedList.Index<>() {
        @Override
        public int get(SourceSubscription s) {
            return s.indexInSource;
        }

        @Override
        public void set(SourceSubscription s, int index) {
            s.indexInSource = index;
        }
    });

    SimulcastSource(Participant owner, int[] streamIds) {
        this.owner = owner;
        this.streamIds = streamIds.clone();
        this.layers = new PublishedStream[streamIds.length];
    }

    int sourceId() {
        return streamIds[0];
    }

    int layerCount() {
        return streamIds.length;
    }

    int top() {
        return streamIds.length - 1;
    }

    /** The layer of {@code streamId}, or -1. */
    int layerOf(int streamId) {
        for (int i = 0; i < streamIds.length; i++) {
            if (streamIds[i] == streamId) {
                return i;
            }
        }
        return -1;
    }

    /** The highest started layer at or below {@code max}; else the lowest started above it; -1 if none started. */
    int bestStarted(int max) {
        for (int i = Math.min(max, top()); i >= 0; i--) {
            if (layers[i] != null) {
                return i;
            }
        }
        for (int i = Math.max(0, max + 1); i < layers.length; i++) {
            if (layers[i] != null) {
                return i;
            }
        }
        return -1;
    }

    /** The highest started layer below {@code layer} whose cache has something to replay now, or -1. */
    int servableBelow(int layer) {
        for (int i = layer - 1; i >= 0; i--) {
            PublishedStream l = layers[i];
            if (l != null && l.cache.replayPacketCount() > 0) {
                return i;
            }
        }
        return -1;
    }

    /** The lowest started layer, or -1. */
    int lowestStarted() {
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] != null) {
                return i;
            }
        }
        return -1;
    }
}
