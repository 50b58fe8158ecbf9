package io.kfrelay.room;

import io.kfrelay.protocol.ControlCodec;
import io.kfrelay.protocol.ControlMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/** The control messages room state sends, encoded by the one codec. */
final class ControlOut {
    private final ByteBufAllocator alloc;

    ControlOut(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** JOINED for a joiner of {@code room} (null: a new room, nobody there yet). */
    ByteBuf joined(int id, String roomName, Room room) {
        return ControlCodec.encode(new ControlMessage.Joined(id, roomName,
                room == null ? List.of() : RoomViews.peers(room)), alloc);
    }

    ByteBuf participantJoined(int id, String identity) {
        return ControlCodec.encode(new ControlMessage.ParticipantJoined(id, identity), alloc);
    }

    ByteBuf participantLeft(int id) {
        return ControlCodec.encode(new ControlMessage.ParticipantLeft(id), alloc);
    }

    ByteBuf streamStarted(int id, int streamId, int kind) {
        return ControlCodec.encode(new ControlMessage.StreamStarted(id, streamId, kind), alloc);
    }

    ByteBuf streamEnded(int id, int streamId) {
        return ControlCodec.encode(new ControlMessage.StreamEnded(id, streamId), alloc);
    }

    ByteBuf keyframeRequest(int senderId, int streamId) {
        return ControlCodec.encode(new ControlMessage.KeyframeRequest(senderId, streamId), alloc);
    }

    ByteBuf simulcast(int publisherId, int[] streamIds) {
        return ControlCodec.encode(new ControlMessage.Simulcast(publisherId,
                java.util.Arrays.stream(streamIds).boxed().toList()), alloc);
    }

    ByteBuf layer(int publisherId, int sourceId, int streamId, int layer, io.kfrelay.protocol.LayerCause cause) {
        return ControlCodec.encode(new ControlMessage.Layer(publisherId, sourceId, streamId, layer, cause.code()), alloc);
    }

    ByteBuf subscribeRefused(long publisherId, int streamId, int code, String reason) {
        return ControlCodec.encode(new ControlMessage.SubscribeRefused(publisherId, streamId, code, reason), alloc);
    }

    /** A session's last message when the relay ends it: an ERROR, or a REDIRECT (the room moved). */
    ByteBuf last(ControlMessage message) {
        return ControlCodec.encode(message, alloc);
    }

    ByteBuf error(int code, String reason) {
        return ControlCodec.encode(new ControlMessage.Error(code, reason), alloc);
    }
}
