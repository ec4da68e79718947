package io.warden.policyservice.security;

/** Who is calling: the member id (or {@code bootstrap-admin}) recorded as the actor of every change. */
public record Caller(String id, String label, Role role) {
    public static final String BOOTSTRAP_ID = "bootstrap-admin";
}
