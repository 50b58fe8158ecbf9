package io.kfrelay.security;

import java.util.Base64;

/**
 * Base64url without padding (RFC 7515 §2), strictly: only the URL-safe alphabet, no '=', and only the one
 * canonical spelling of each byte string (unused trailing bits must be zero), so a token has exactly one
 * accepted form.
 */
final class Base64Url {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {
    }

    static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** The bytes {@code text} encodes, or null if it is not canonical unpadded base64url. */
    static byte[] decode(String text) {
        if (text.length() % 4 == 1) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return null;
            }
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        // Non-zero unused bits would give a second spelling of the same bytes.
        return encode(bytes).equals(text) ? bytes : null;
    }
}
