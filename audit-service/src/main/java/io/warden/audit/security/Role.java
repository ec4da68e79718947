package io.warden.audit.security;

import java.util.Arrays;
import java.util.Optional;

/** The control plane's roles; each of them may read the audit. */
public enum Role {
    VIEWER("viewer"), POLICY_MANAGER("policy_manager"), ADMIN("admin");

    private final String wire;

    Role(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<Role> fromWire(String wire) {
        return Arrays.stream(values()).filter(role -> role.wire.equals(wire)).findFirst();
    }
}
