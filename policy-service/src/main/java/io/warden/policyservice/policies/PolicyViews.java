package io.warden.policyservice.policies;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policyservice.web.FieldError;
import java.time.Instant;
import java.util.List;

/** What the policy endpoints answer. */
public final class PolicyViews {
    private PolicyViews() {
    }

    /** A policy and its current version. */
    public record Summary(String name, int currentVersion, String hash, Instant createdAt, String createdBy,
                          Instant updatedAt, String updatedBy) {
    }

    /** A version without its document. */
    public record VersionInfo(int version, String hash, String author, Instant createdAt, String note,
                              boolean current) {
    }

    /** A version with its document. */
    public record Version(String name, int version, String hash, String author, Instant createdAt, String note,
                          boolean current, JsonNode document) {
    }

    /** The answer of validate-without-saving: every problem, with the engine's pointer and message. */
    public record Validation(boolean valid, List<FieldError> errors) {
    }

    /** Two versions compared. */
    public record Diff(String name, int from, int to, List<JsonDiff.Change> changes) {
    }

    /** Which version a rollback makes current again (as a new version). */
    public record Rollback(Integer version) {
    }
}
