package io.warden.policyservice.approvals;

import com.fasterxml.jackson.annotation.JsonValue;

/** Who may decide: operators always; the agent's own user too where the rule says {@code approver: "user"}. */
public enum Approver {
    OPERATOR, USER;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    public static Approver fromWire(String s) {
        return s.equals("user") ? USER : OPERATOR;
    }

    /** Unspecified on the wire means the default, operator. */
    public static Approver of(io.warden.api.approval.v1.Approver proto) {
        return proto == io.warden.api.approval.v1.Approver.USER ? USER : OPERATOR;
    }

    public io.warden.api.approval.v1.Approver proto() {
        return io.warden.api.approval.v1.Approver.valueOf(name());
    }
}
