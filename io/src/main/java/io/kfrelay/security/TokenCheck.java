package io.kfrelay.security;

/** The outcome of checking a join token: its claims, or why it was refused (an ERROR code, see ErrorCodes). */
public sealed interface TokenCheck {
    record Valid(JoinToken token) implements TokenCheck {
    }

    record Invalid(int code, String reason) implements TokenCheck {
    }
}
