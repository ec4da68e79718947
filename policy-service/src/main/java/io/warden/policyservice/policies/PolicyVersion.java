package io.warden.policyservice.policies;

import java.time.Instant;

/** One stored version of a policy: the document exactly as submitted, and the hash of its canonical form. */
public record PolicyVersion(String policyName, int version, String document, String canonicalHash, String author,
                            Instant createdAt, String note) {
}
