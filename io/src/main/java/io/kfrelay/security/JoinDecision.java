package io.kfrelay.security;

import io.kfrelay.room.Grants;

/** What the relay answers a JOIN before it reaches the core: admit with these grants, or refuse with an ERROR. */
public sealed interface JoinDecision {
    record Admit(Grants grants) implements JoinDecision {
    }

    record Refuse(int code, String reason) implements JoinDecision {
    }
}
