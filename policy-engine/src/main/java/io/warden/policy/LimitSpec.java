package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** One compiled limit: a bucket specification, resolved per call into a {@link LimitCharge}. */
final class LimitSpec {
    /** Key values longer than this are replaced by a digest, so bucket keys stay short. */
    private static final int MAX_KEY_PART = 128;

    final String rule;
    final String counter;
    final String scope;
    final String bucketId;
    final long windowMillis;
    final long max;
    final long burst;
    final long cost;
    /** {@code cost_from}, or {@code null} for a fixed cost. */
    final Path costFrom;
    final Path[] keyPaths;
    final String onDeny;
    final boolean shadow;
    /** 1 for scope grant, 2 for server, 3 for session, 0 for global. */
    private final int owner;
    /** {@code bucketId|}, to which the scope owner is appended. */
    private final String ownerPrefix;

    LimitSpec(String rule, String counter, String scope, String policyId, long windowMillis, long max, long burst,
              long cost, Path costFrom, Path[] keyPaths, String onDeny, boolean shadow) {
        this.rule = rule;
        this.counter = counter;
        this.scope = scope;
        // Server and global buckets are shared beyond one grant: keyed by policy as well, so that another policy's
        // counter of the same name (maybe at another rate) is another bucket. A grant has one policy: no need there.
        // Session buckets live inside one grant (a session is bound to its grant), so they need no policy id either.
        this.bucketId = counter + "|" + scope
                + (policyId == null || "grant".equals(scope) || "session".equals(scope) ? "" : "@" + policyId);
        this.windowMillis = windowMillis;
        this.max = max;
        this.burst = burst;
        this.cost = cost;
        this.costFrom = costFrom;
        this.keyPaths = keyPaths;
        this.onDeny = onDeny;
        this.shadow = shadow;
        this.owner = switch (scope) {
            case "grant" -> 1;
            case "server" -> 2;
            case "session" -> 3;
            default -> 0;
        };
        this.ownerPrefix = bucketId + "|";
    }

    /** The bucket key for a call: bucket id, scope owner, then the key path values. */
    String key(Path.Eval ctx) {
        String id = null;
        if (owner == 3) {
            id = sessionOwner(ctx.subject);
        } else if (owner != 0) {
            id = ctx.subject == null ? null : owner == 1 ? ctx.subject.grantId() : ctx.subject.serverId();
            if (id == null) {
                id = "-";
            }
        }
        if (keyPaths.length == 0) {
            return id == null ? bucketId : ownerPrefix + id;
        }
        StringBuilder b = new StringBuilder(64).append(bucketId);
        if (id != null) {
            b.append('|').append(id);
        }
        for (Path p : keyPaths) {
            JsonNode v = p.resolve(ctx);
            b.append('|');
            if (v.isMissingNode()) {
                b.append('-');
            } else {
                int start = b.length();
                KeyText.append(b, v);
                if (b.length() - start > MAX_KEY_PART) {
                    String text = b.substring(start);
                    b.setLength(start);
                    b.append('#').append(digest(text));
                }
            }
        }
        return b.toString();
    }

    /**
     * The owner of a session bucket: the grant, then a digest of the session id (the id is a bearer value: it must not
     * sit in a limiter store in clear). A call without a session counts against the grant's one session-less bucket,
     * so a stateless client never escapes the limit; it shares it with every other session-less client of the grant.
     */
    private static String sessionOwner(Subject subject) {
        String grant = subject == null || subject.grantId() == null ? "-" : subject.grantId();
        String session = subject == null ? null : subject.sessionId();
        return grant + "|" + (session == null || session.isEmpty() ? "-" : digest(session));
    }

    /**
     * The cost of a call: the fixed cost, or the {@code cost_from} value rounded up. Returns -1
     * when the value is missing, negative or not a number.
     */
    long cost(Path.Eval ctx) {
        if (costFrom == null) {
            return cost;
        }
        JsonNode v = costFrom.resolve(ctx);
        BigDecimal amount;
        if (v.isNumber()) {
            double d = v.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return d > 0 ? Long.MAX_VALUE : -1;
            }
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                return v.longValue() < 0 ? -1 : v.longValue();
            }
            amount = v.decimalValue();
        } else if (v.isTextual()) {
            amount = Values.parseNumber(v.textValue());
            if (amount == null) {
                return -1;
            }
        } else {
            return -1;
        }
        if (amount.signum() < 0) {
            return -1;
        }
        BigDecimal rounded = amount.setScale(0, RoundingMode.CEILING);
        return rounded.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : rounded.longValue();
    }

    LimitCharge charge(Path.Eval ctx, long resolvedCost, boolean policyShadow, LimiterErrorMode mode) {
        return new LimitCharge(bucketId, key(ctx), rule, counter, scope, burst, max, windowMillis, resolvedCost,
                onDeny, shadow || policyShadow, mode);
    }

    /** The message when {@code cost_from} cannot be resolved. */
    String costMessage() {
        if (onDeny != null) {
            return onDeny;
        }
        return "Denied by rule " + rule + ": the cost of this call (" + costFrom.text
                + ") must be a number that is zero or more.";
    }

    /** The message when the cost of a call exceeds the bucket capacity, so it can never pass. */
    String tooCostlyMessage() {
        if (onDeny != null) {
            return onDeny;
        }
        return "Denied by rule " + rule + ": this call costs more than the whole budget of counter \"" + counter
                + "\" (" + burst + ").";
    }

    static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                b.append(Character.forDigit((hash[i] >> 4) & 0xf, 16)).append(Character.forDigit(hash[i] & 0xf, 16));
            }
            return b.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
