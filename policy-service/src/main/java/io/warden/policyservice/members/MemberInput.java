package io.warden.policyservice.members;

/** A new API key: who it is for and its role ({@code admin}, {@code policy_manager}, {@code viewer}). */
public record MemberInput(String label, String role) {
}
