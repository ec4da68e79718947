package io.warden.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One decision the gateway made, as written to the decision log and later published to Kafka. Immutable; build one with
 * {@link #builder()}. The JSON form (snake_case names, every field always present, null where absent) is described by
 * {@code decision-event.schema.json} next to this class; {@link #SCHEMA_VERSION} changes on any incompatible change.
 *
 * <p>Never put argument values anywhere but {@code arguments}, and put them there only when the policy opts in; tokens
 * and credentials never belong in an event.
 *
 * <p>Schema version 2 (this build) adds {@code kind}, {@code instance}, {@code sequence}, {@code request_id} and
 * {@code grant_label}, and renames the outcomes ({@link Outcome#fromWire} still reads version 1's). A decision is
 * published when it is made ({@code kind: decision}); a call that went upstream is followed by a {@code completion}
 * with the same id and time carrying how it ended (outcome, upstream status and latency, refund).
 *
 * @param schemaVersion   {@link #SCHEMA_VERSION} for events this build writes; 1 for older ones read back
 * @param kind            {@code decision} or {@code completion}; a version-1 event is a decision
 * @param id              time-ordered UUID (version 7); also the id the caller sees in {@code _meta["io.warden/decision"]}.
 *                        A completion carries the id of the decision it completes
 * @param time            ISO-8601 instant (UTC) at which the decision was made (a completion repeats it)
 * @param gatewayId       the configured gateway id (shared by a deployment's replicas)
 * @param instance        this gateway process: {@code sequence} counts within it; null in version 1
 * @param sequence        per-instance number, from 1, one per event in the order they were enqueued, without gaps:
 *                        a missing number is an event lost on the way; null in version 1
 * @param requestId       the JSON-RPC id as a string (cut to {@link #MAX_REQUEST_ID_CHARS}); null for a notification
 *                        or a request without a message
 * @param serverId        the upstream server addressed
 * @param grantId         the grant the request carried; {@link #NO_GRANT} when it was refused before authentication
 * @param grantLabel      that grant's label; null when none
 * @param era             the downstream transport era
 * @param protocolVersion the MCP protocol version spoken with the client
 * @param method          the JSON-RPC method, e.g. {@code tools/call}
 * @param tool            the tool name for {@code tools/call}, else null
 * @param outcome         what the gateway did
 * @param rule            the rule that decided: a JSON pointer into the policy or a literal such as {@code (default deny)};
 *                        null when allowed with no rule firing
 * @param message         the message given to the agent on a denial, else null
 * @param shadow          rules in shadow mode that would have denied; empty when none
 * @param policyId        the policy evaluated; null when the grant has none (rule {@code (no policy)})
 * @param policyVersion   the revision of that policy; null when policyId is null
 * @param argumentKeys    the top-level argument names, sorted; never values
 * @param argumentDigest  {@code hmac-sha256:} + hex: HMAC-SHA256 with the deployment's digest key over the RFC 8785
 *                        canonical JSON of the arguments; null when there were none
 * @param argumentDigestKey the id of the key that digest was made with (digests compare only under one key id); null
 *                        when there is no digest
 * @param arguments       a snapshot of the arguments, only when the policy opts in; else null
 * @param redacted        names of fields withheld from this event, e.g. {@code arguments}
 * @param upstreamStatus  HTTP status of the upstream answer; null when the upstream was not called
 * @param gatewayMicros   time spent in the gateway itself, in microseconds
 * @param upstreamMicros  time spent waiting for the upstream, in microseconds; null when not called
 * @param flags           conditions worth noting, e.g. {@code limiter_open}
 * @param refund          the call's rate-limit tokens were given back, and why; null when they were not (or it had none)
 */
public record DecisionEvent(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("kind") Kind kind,
        @JsonProperty("id") String id,
        @JsonProperty("time") String time,
        @JsonProperty("gateway_id") String gatewayId,
        @JsonProperty("instance") String instance,
        @JsonProperty("sequence") Long sequence,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("server_id") String serverId,
        @JsonProperty("grant_id") String grantId,
        @JsonProperty("grant_label") String grantLabel,
        @JsonProperty("era") Era era,
        @JsonProperty("protocol_version") String protocolVersion,
        @JsonProperty("method") String method,
        @JsonProperty("tool") String tool,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("rule") String rule,
        @JsonProperty("message") String message,
        @JsonProperty("shadow") List<ShadowFinding> shadow,
        @JsonProperty("policy_id") String policyId,
        @JsonProperty("policy_version") String policyVersion,
        @JsonProperty("argument_keys") List<String> argumentKeys,
        @JsonProperty("argument_digest") String argumentDigest,
        @JsonProperty("argument_digest_key") String argumentDigestKey,
        @JsonProperty("arguments") Object arguments,
        @JsonProperty("redacted") List<String> redacted,
        @JsonProperty("upstream_status") Integer upstreamStatus,
        @JsonProperty("gateway_micros") long gatewayMicros,
        @JsonProperty("upstream_micros") Long upstreamMicros,
        @JsonProperty("flags") List<String> flags,
        @JsonProperty("refund") Refund refund) {

    /** The version of this event shape, written as {@code schema_version}. */
    public static final int SCHEMA_VERSION = 2;
    /** The grant id of a request refused before authentication: there is no grant to name. */
    public static final String NO_GRANT = "(none)";
    /** Longest {@code request_id} kept: the client chooses it. */
    public static final int MAX_REQUEST_ID_CHARS = 128;
    /** The name {@link #redacted()} lists when the argument snapshot was withheld. */
    public static final String ARGUMENTS = "arguments";

    public DecisionEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(gatewayId, "gatewayId");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(era, "era");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(outcome, "outcome");
        kind = kind == null ? Kind.DECISION : kind; // schema version 1 had decisions only
        shadow = shadow == null ? List.of() : List.copyOf(shadow);
        argumentKeys = argumentKeys == null ? List.of() : sortedCopy(argumentKeys);
        redacted = redacted == null ? List.of() : List.copyOf(redacted);
        flags = flags == null ? List.of() : List.copyOf(flags);
    }

    /** An unmodifiable sorted copy; a plain array sort, as this runs for every event. */
    private static List<String> sortedCopy(List<String> keys) {
        String[] sorted = keys.toArray(new String[0]);
        Arrays.sort(sorted);
        return Collections.unmodifiableList(Arrays.asList(sorted));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This event with the argument snapshot removed and recorded in {@code redacted}; itself when it has none. */
    public DecisionEvent withoutArguments() {
        if (arguments == null) {
            return this;
        }
        List<String> withheld = new ArrayList<>(redacted);
        if (!withheld.contains(ARGUMENTS)) {
            withheld.add(ARGUMENTS);
        }
        return new DecisionEvent(schemaVersion, kind, id, time, gatewayId, instance, sequence, requestId, serverId, grantId,
                grantLabel, era, protocolVersion, method, tool, outcome, rule, message, shadow, policyId, policyVersion, argumentKeys, argumentDigest, argumentDigestKey, null,
                withheld, upstreamStatus, gatewayMicros, upstreamMicros, flags, refund);
    }

    /** Seconds since the epoch of 10000-01-01T00:00:00Z: from there on ISO-8601 needs a sign and a longer year. */
    private static final long YEAR_10000 = 253_402_300_800L;
    /** The last second formatted, shared by all threads (a record, so safely published without a lock). */
    private static SecondText lastSecond = new SecondText(-1, "");

    private record SecondText(long epochSecond, String text) {}

    /**
     * {@code time} truncated to the microsecond, as {@link DateTimeFormatter#ISO_INSTANT} writes it (fraction in groups of
     * three digits, none when zero). Events come many per second, so the date and time of day are formatted once per
     * second; instants before 1970 or after 9999 take the general formatter.
     */
    public static String isoMicros(Instant time) {
        long second = time.getEpochSecond();
        int micros = time.getNano() / 1000;
        if (second < 0 || second >= YEAR_10000) {
            return DateTimeFormatter.ISO_INSTANT.format(time.truncatedTo(ChronoUnit.MICROS));
        }
        SecondText prefix = lastSecond;
        if (prefix.epochSecond() != second) {
            prefix = new SecondText(second, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                    LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC)));
            lastSecond = prefix;
        }
        if (micros == 0) {
            return prefix.text() + 'Z';
        }
        StringBuilder out = new StringBuilder(prefix.text().length() + 8).append(prefix.text()).append('.');
        if (micros % 1000 == 0) {
            digits(out, micros / 1000, 3);
        } else {
            digits(out, micros, 6);
        }
        return out.append('Z').toString();
    }

    private static void digits(StringBuilder out, int value, int width) {
        for (int div = width == 3 ? 100 : 100_000; div > 0; div /= 10) {
            out.append((char) ('0' + value / div % 10));
        }
    }

    /** The downstream transport era. */
    public enum Era {
        LEGACY("legacy"), MODERN("modern"), HTTP_SSE("http+sse");

        private final String wire;

        Era(String wire) {
            this.wire = wire;
        }

        /** The JSON spelling, also fit for a metric tag. */
        @JsonValue
        public String wire() {
            return wire;
        }
    }

    /** Whether an event records a decision or how an allowed call ended. */
    public enum Kind {
        DECISION("decision"), COMPLETION("completion");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }

    /**
     * What the gateway did with the message. Version 1 spelled five of them differently; {@link #fromWire} reads both
     * ({@code allow}, {@code deny}, {@code hidden}, {@code approval_required}, {@code error}), so stored version-1 events
     * map onto these. Version 1's {@code deny} also covered rate limits, so those read as {@link #DENIED}.
     */
    public enum Outcome {
        ALLOWED("allowed"), DENIED("denied"), HIDDEN("hidden"), RATE_LIMITED("rate_limited"),
        APPROVAL_REQUIRED("approval_required"), APPROVAL_GRANTED("approval_granted"), APPROVAL_DENIED("approval_denied"),
        APPROVAL_EXPIRED("approval_expired"), UNAUTHENTICATED("unauthenticated"), UPSTREAM_ERROR("upstream_error"),
        /** The gateway itself failed (a bug, or its rate-limit store could not be asked): the call was not run. */
        GATEWAY_ERROR("gateway_error");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        /** The JSON spelling, also fit for a metric tag. */
        @JsonValue
        public String wire() {
            return wire;
        }

        /** The outcome a spelling names, version 2's or version 1's; null when none. */
        @JsonCreator
        public static Outcome fromWire(String wire) {
            if (wire == null) {
                return null;
            }
            for (Outcome o : values()) {
                if (o.wire.equals(wire)) {
                    return o;
                }
            }
            return switch (wire) {
                case "allow" -> ALLOWED;
                case "deny" -> DENIED;
                case "error" -> UPSTREAM_ERROR;
                default -> null; // the record then refuses the event, naming "outcome"
            };
        }
    }

    /**
     * Rate-limit tokens given back because the call provably never reached the tool.
     *
     * @param reason {@code not_sent}, {@code connect_failed}, {@code not_written}, {@code http_status} or
     *               {@code jsonrpc_error}
     * @param code   the upstream's HTTP status ({@code http_status}) or JSON-RPC error code ({@code jsonrpc_error}); else null
     */
    public record Refund(@JsonProperty("reason") String reason, @JsonProperty("code") Integer code) {
        /** The reasons, as written. */
        public static final List<String> REASONS = List.of("not_sent", "connect_failed", "not_written", "http_status",
                "jsonrpc_error");

        public Refund {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** A rule in shadow mode that would have denied. */
    public record ShadowFinding(@JsonProperty("rule") String rule, @JsonProperty("message") String message) {
        public ShadowFinding {
            Objects.requireNonNull(rule, "rule");
        }
    }

    /**
     * Builds a {@link DecisionEvent}. {@code id} defaults to a random UUID and {@code time} to now; the time is kept to the microsecond. When an argument
     * digest is set but no snapshot is, {@code arguments} is added to {@code redacted}, so withheld arguments are visibly
     * withheld.
     */
    public static final class Builder {
        private Kind kind = Kind.DECISION;
        private String id;
        private Instant time;
        private String gatewayId;
        private String instance;
        private Long sequence;
        private String requestId;
        private String serverId;
        private String grantId;
        private String grantLabel;
        private Era era;
        private String protocolVersion;
        private String method;
        private String tool;
        private Outcome outcome;
        private String rule;
        private String message;
        private final List<ShadowFinding> shadow = new ArrayList<>();
        private String policyId;
        private String policyVersion;
        private List<String> argumentKeys = List.of();
        private String argumentDigest;
        private String argumentDigestKey;
        private Object arguments;
        private final List<String> redacted = new ArrayList<>();
        private Integer upstreamStatus;
        private long gatewayMicros;
        private Long upstreamMicros;
        private final List<String> flags = new ArrayList<>();
        private Refund refund;

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder time(Instant time) {
            this.time = time;
            return this;
        }

        public Builder gatewayId(String gatewayId) {
            this.gatewayId = gatewayId;
            return this;
        }

        public Builder kind(Kind kind) {
            this.kind = kind;
            return this;
        }

        /** The gateway process and the event's number within it. */
        public Builder sequence(String instance, long sequence) {
            this.instance = instance;
            this.sequence = sequence;
            return this;
        }

        /** The JSON-RPC id, cut to {@link #MAX_REQUEST_ID_CHARS}. */
        public Builder requestId(String requestId) {
            this.requestId = requestId == null || requestId.length() <= MAX_REQUEST_ID_CHARS ? requestId
                    : requestId.substring(0, MAX_REQUEST_ID_CHARS);
            return this;
        }

        public Builder grantLabel(String grantLabel) {
            this.grantLabel = grantLabel;
            return this;
        }

        public Builder serverId(String serverId) {
            this.serverId = serverId;
            return this;
        }

        public Builder grantId(String grantId) {
            this.grantId = grantId;
            return this;
        }

        public Builder era(Era era) {
            this.era = era;
            return this;
        }

        public Builder protocolVersion(String protocolVersion) {
            this.protocolVersion = protocolVersion;
            return this;
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder tool(String tool) {
            this.tool = tool;
            return this;
        }

        /** The outcome, the rule that decided it (nullable) and the message given to the agent (nullable). */
        public Builder outcome(Outcome outcome, String rule, String message) {
            this.outcome = outcome;
            this.rule = rule;
            this.message = message;
            return this;
        }

        /** Adds a "would deny" finding of a rule in shadow mode. */
        public Builder shadow(String rule, String message) {
            shadow.add(new ShadowFinding(rule, message));
            return this;
        }

        public Builder policy(String policyId, String policyVersion) {
            this.policyId = policyId;
            this.policyVersion = policyVersion;
            return this;
        }

        /**
         * The argument summary: top-level names (sorted on build), the digest and the id of the key it was made with (null
         * when the digest is); see the gateway's ArgumentDigest.
         */
        public Builder argumentSummary(List<String> keys, String digest, String digestKey) {
            this.argumentKeys = keys;
            this.argumentDigest = digest;
            this.argumentDigestKey = digest == null ? null : digestKey;
            return this;
        }

        /** Records that the call's rate-limit tokens were given back, and why. */
        public Builder refund(Refund refund) {
            this.refund = refund;
            return this;
        }

        /** The argument snapshot, only when the policy opts in to recording argument values. */
        public Builder arguments(Object arguments) {
            this.arguments = arguments;
            return this;
        }

        /** Records that a field was withheld from the event. */
        public Builder redacted(String field) {
            if (!redacted.contains(field)) {
                redacted.add(field);
            }
            return this;
        }

        /** The upstream's HTTP status and the time spent waiting for it; leave unset when the upstream was not called. */
        public Builder upstream(int status, long micros) {
            this.upstreamStatus = status;
            this.upstreamMicros = micros;
            return this;
        }

        public Builder gatewayMicros(long gatewayMicros) {
            this.gatewayMicros = gatewayMicros;
            return this;
        }

        public Builder flag(String flag) {
            if (!flags.contains(flag)) {
                flags.add(flag);
            }
            return this;
        }

        /** @throws NullPointerException naming the first required field left unset */
        public DecisionEvent build() {
            List<String> withheld = new ArrayList<>(redacted);
            if (argumentDigest != null && arguments == null && !withheld.contains(ARGUMENTS)) {
                withheld.add(ARGUMENTS);
            }
            return new DecisionEvent(SCHEMA_VERSION, kind, id != null ? id : UUID.randomUUID().toString(),
                    isoMicros(time != null ? time : Instant.now()), gatewayId, instance, sequence, requestId, serverId,
                    grantId, grantLabel, era, protocolVersion, method, tool, outcome, rule, message, shadow, policyId,
                    policyVersion, argumentKeys, argumentDigest, argumentDigestKey, arguments, withheld, upstreamStatus,
                    gatewayMicros, upstreamMicros, flags, refund);
        }
    }
}
