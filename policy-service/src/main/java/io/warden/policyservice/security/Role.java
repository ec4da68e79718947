package io.warden.policyservice.security;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** What a member may do; each role includes everything the ones before it may do. */
public enum Role {
    /** Reads everything except secrets and tokens (which the API never returns to anyone). */
    VIEWER("viewer"),
    /** Also writes policies and attaches them to grants. */
    POLICY_MANAGER("policy_manager"),
    /** Everything: servers, grants, members, re-encryption. */
    ADMIN("admin");

    private final String wire;

    Role(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** Null for an unknown spelling. */
    public static Role fromWire(String s) {
        return Arrays.stream(values()).filter(r -> r.wire.equals(s)).findFirst().orElse(null);
    }

    public static String spellings() {
        return String.join(", ", Arrays.stream(values()).map(Role::wire).toList());
    }
}
