package io.warden.audit.query;

import java.time.Instant;
import java.util.List;

/**
 * What a listing, an export or an aggregate is restricted to; every field may be null (no restriction). {@code from} is
 * inclusive, {@code to} exclusive; {@code text} matches anywhere in the message, case-insensitively.
 */
public record DecisionFilter(Instant from, Instant to, String server, String grant, String tool, List<String> outcomes,
                             String rule, String policyId, String policyVersion, String text) {

    public DecisionFilter {
        outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
    }

    /** No restriction at all. */
    public static DecisionFilter all() {
        return new DecisionFilter(null, null, null, null, null, List.of(), null, null, null, null);
    }

    public DecisionFilter withRange(Instant newFrom, Instant newTo) {
        return new DecisionFilter(newFrom, newTo, server, grant, tool, outcomes, rule, policyId, policyVersion, text);
    }
}
