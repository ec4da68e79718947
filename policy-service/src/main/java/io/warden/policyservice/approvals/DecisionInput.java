package io.warden.policyservice.approvals;

/** Body of approve and deny: an optional comment, shown to the agent on a denial and kept in the record. */
public record DecisionInput(String comment) {
}
