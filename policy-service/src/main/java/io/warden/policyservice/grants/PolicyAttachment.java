package io.warden.policyservice.grants;

/** The policy a grant is evaluated with; {@code null} detaches it (the grant then has no policy). */
public record PolicyAttachment(String policy) {
}
