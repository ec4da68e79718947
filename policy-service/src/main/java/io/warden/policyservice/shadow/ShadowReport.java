package io.warden.policyservice.shadow;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a draft policy would have done with the recorded decisions of a range, against what happened.
 *
 * @param read decisions read from audit-service
 * @param evaluated those replayed (a refused token or a gateway failure involves no policy: skipped)
 * @param truncated more decisions matched than {@code warden.policy.audit-service.max-decisions}; the oldest were left out
 * @param before outcomes as recorded, per class
 * @param after outcomes of the replay, per class ({@code cannot_tell} included)
 * @param changes each changed pair (recorded class → replayed class) with a count and a few examples, largest first
 * @param cannotTell calls the replay could not judge, with the reason, a few examples
 */
public record ShadowReport(String server, String grant, Instant from, Instant to, int read, int evaluated, int skipped,
                           boolean truncated, int unchanged, int changed, int cannotTellCount,
                           Map<String, Integer> before, Map<String, Integer> after, List<Change> changes,
                           List<Example> cannotTell, List<String> notes) {

    /** Decisions whose class moved from {@code from} to {@code to}. */
    public record Change(String from, String to, int count, List<Example> examples) {}

    /**
     * One replayed decision: what was recorded ({@code recorded}, {@code recordedRule}) and what the draft decides
     * ({@code outcome}, {@code rule}, {@code message}); {@code reason} explains a {@code cannot_tell}.
     */
    public record Example(String id, Instant time, String grant, String method, String tool, String recorded,
                          String recordedRule, String outcome, String rule, String message, String reason) {}
}
