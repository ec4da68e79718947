package io.warden.policyservice.approvals;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** Where an approval stands. Pending moves once to a decision; approved moves once more, to used or expired. */
public enum ApprovalState {
    PENDING, APPROVED, DENIED, EXPIRED, USED;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    /** Null for an unknown spelling. */
    public static ApprovalState fromWire(String s) {
        return Arrays.stream(values()).filter(v -> v.wire().equals(s)).findFirst().orElse(null);
    }

    public static String spellings() {
        return String.join(", ", Arrays.stream(values()).map(ApprovalState::wire).toList());
    }

    public io.warden.api.approval.v1.ApprovalState proto() {
        return io.warden.api.approval.v1.ApprovalState.valueOf(name());
    }
}
