package io.warden.audit.security;

/** Who called: the API key's label (never the key) and its role. */
public record Caller(String name, Role role) {
}
