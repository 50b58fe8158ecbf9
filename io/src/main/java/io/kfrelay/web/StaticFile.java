package io.kfrelay.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One bundled file, held in memory for the life of the server: its bytes (never modified after loading), the
 * Content-Type its name gives it and a strong ETag (a hash of the bytes, so it changes exactly when they do).
 */
public final class StaticFile {
    private final String name;
    private final byte[] bytes;
    private final String contentType;
    private final String etag;

    StaticFile(String name, byte[] bytes, String contentType) {
        this.name = name;
        this.bytes = bytes;
        this.contentType = contentType;
        this.etag = '"' + sha256Prefix(bytes) + '"';
    }

    private static String sha256Prefix(byte[] bytes) {
        try {
            // 128 bits of SHA-256: collisions are not a concern for a cache validator.
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Its path below the root, e.g. {@code js/room.js}. */
    public String name() {
        return name;
    }

    public String contentType() {
        return contentType;
    }

    /** The strong ETag, quotes included. */
    public String etag() {
        return etag;
    }

    public int length() {
        return bytes.length;
    }

    /** A new buffer over the bytes, no copy: the response owns it and the encoder releases it once. */
    public ByteBuf content() {
        return Unpooled.wrappedBuffer(bytes).asReadOnly();
    }
}
