package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** A condition path, split once at compile time. */
final class Path {

    /** The root a path starts from. */
    enum Root { ARGS, GRANT_ID, GRANT_LABEL, GRANT_TAG, SERVER_ID, SERVER_NAME, TOOL_NAME, TOOL_CATEGORY,
        TOOL_ANNOTATION, TIME_HOUR, TIME_WEEKDAY }

    static final String ANY = "*";

    /** {@code tool.category} values, by ordinal. */
    private static final JsonNode[] CATEGORY_NODES = new JsonNode[RiskCategory.values().length];
    /** {@code time.hour} (0 to 23) and {@code time.weekday} (1 to 7) values. */
    private static final JsonNode[] SMALL_INTS = new JsonNode[24];

    static {
        for (RiskCategory c : RiskCategory.values()) {
            CATEGORY_NODES[c.ordinal()] = TextNode.valueOf(c.jsonName());
        }
        for (int i = 0; i < SMALL_INTS.length; i++) {
            SMALL_INTS[i] = IntNode.valueOf(i);
        }
    }

    final String text;
    final Root root;
    /** For ARGS: the segments below {@code args}; for GRANT_TAG and TOOL_ANNOTATION: the key. */
    final String[] segments;
    /** For ARGS: the array index a segment denotes, or -1. */
    final int[] indexes;
    final boolean hasWildcard;

    private Path(String text, Root root, String[] segments) {
        this.text = text;
        this.root = root;
        this.segments = segments;
        this.indexes = new int[segments.length];
        boolean wildcard = false;
        for (int i = 0; i < segments.length; i++) {
            indexes[i] = arrayIndex(segments[i]);
            wildcard |= root == Root.ARGS && ANY.equals(segments[i]);
        }
        this.hasWildcard = wildcard;
    }

    /** True when the value depends only on the subject and the tool, not on the call. */
    boolean isStatic() {
        return root != Root.ARGS && root != Root.TIME_HOUR && root != Root.TIME_WEEKDAY;
    }

    /**
     * Parses a path, or returns {@code null} and explains why in {@code error[0]}.
     */
    static Path parse(String text, String[] error) {
        if (text.isEmpty()) {
            error[0] = "path must not be empty";
            return null;
        }
        String[] parts = text.split("\\.", -1);
        for (String p : parts) {
            if (p.isEmpty()) {
                error[0] = "path \"" + text + "\" has an empty segment";
                return null;
            }
        }
        String head = parts[0];
        String second = parts.length > 1 ? parts[1] : null;
        switch (head) {
            case "args":
                String[] rest = new String[parts.length - 1];
                System.arraycopy(parts, 1, rest, 0, rest.length);
                return new Path(text, Root.ARGS, rest);
            case "grant":
                if (parts.length == 2 && "id".equals(second)) {
                    return new Path(text, Root.GRANT_ID, new String[0]);
                }
                if (parts.length == 2 && "label".equals(second)) {
                    return new Path(text, Root.GRANT_LABEL, new String[0]);
                }
                if (parts.length == 3 && "tags".equals(second)) {
                    return new Path(text, Root.GRANT_TAG, new String[] {parts[2]});
                }
                error[0] = "unknown path \"" + text + "\" (expected grant.id, grant.label or grant.tags.<key>)";
                return null;
            case "server":
                if (parts.length == 2 && "id".equals(second)) {
                    return new Path(text, Root.SERVER_ID, new String[0]);
                }
                if (parts.length == 2 && "name".equals(second)) {
                    return new Path(text, Root.SERVER_NAME, new String[0]);
                }
                error[0] = "unknown path \"" + text + "\" (expected server.id or server.name)";
                return null;
            case "tool":
                if (parts.length == 2 && "name".equals(second)) {
                    return new Path(text, Root.TOOL_NAME, new String[0]);
                }
                if (parts.length == 2 && "category".equals(second)) {
                    return new Path(text, Root.TOOL_CATEGORY, new String[0]);
                }
                if (parts.length == 3 && "annotations".equals(second)) {
                    return new Path(text, Root.TOOL_ANNOTATION, new String[] {parts[2]});
                }
                error[0] = "unknown path \"" + text
                        + "\" (expected tool.name, tool.category or tool.annotations.<hint>)";
                return null;
            case "time":
                if (parts.length == 2 && "hour".equals(second)) {
                    return new Path(text, Root.TIME_HOUR, new String[0]);
                }
                if (parts.length == 2 && "weekday".equals(second)) {
                    return new Path(text, Root.TIME_WEEKDAY, new String[0]);
                }
                error[0] = "unknown path \"" + text + "\" (expected time.hour or time.weekday)";
                return null;
            default:
                String hint = Texts.didYouMean(head, List.of("args", "grant", "server", "tool", "time"));
                error[0] = "unknown path root \"" + head + "\" in \"" + text + "\""
                        + (hint != null ? " (did you mean \"" + hint + "\"?)"
                                : " (expected args, grant, server, tool or time)");
                return null;
        }
    }

    private static int arrayIndex(String segment) {
        int n = segment.length();
        if (n == 0 || n > 9) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            char c = segment.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Integer.parseInt(segment);
    }

    /**
     * The single value this path denotes for a call, or a missing node. Must not be used for paths
     * with a wildcard; see {@link #collect}.
     */
    JsonNode resolve(Eval ctx) {
        switch (root) {
            case ARGS:
                JsonNode node = ctx.arguments;
                for (int i = 0; i < segments.length && !node.isMissingNode(); i++) {
                    node = step(node, i);
                }
                return node;
            case GRANT_ID:
                return text(ctx.subject == null ? null : ctx.subject.grantId());
            case GRANT_LABEL:
                return text(ctx.subject == null ? null : ctx.subject.grantLabel());
            case GRANT_TAG:
                return text(ctx.subject == null ? null : ctx.subject.grantTags().get(segments[0]));
            case SERVER_ID:
                return text(ctx.subject == null ? null : ctx.subject.serverId());
            case SERVER_NAME:
                return text(ctx.subject == null ? null : ctx.subject.serverName());
            case TOOL_NAME:
                return text(ctx.toolName);
            case TOOL_CATEGORY:
                return CATEGORY_NODES[ctx.category().ordinal()];
            case TOOL_ANNOTATION:
                JsonNode annotations = ctx.tool == null ? null : ctx.tool.annotations();
                if (annotations == null || !annotations.isObject()) {
                    return MissingNode.getInstance();
                }
                JsonNode hint = annotations.get(segments[0]);
                return hint == null ? MissingNode.getInstance() : hint;
            case TIME_HOUR:
                return SMALL_INTS[ctx.hourUtc()];
            case TIME_WEEKDAY:
                return SMALL_INTS[ctx.weekdayUtc()];
            default:
                return MissingNode.getInstance();
        }
    }

    /** Every value an {@code args} path with wildcards denotes, in document order. */
    void collect(JsonNode node, int from, List<JsonNode> out) {
        for (int i = from; i < segments.length; i++) {
            if (node.isMissingNode()) {
                return;
            }
            if (ANY.equals(segments[i])) {
                if (node.isArray() || node.isObject()) {
                    for (JsonNode element : node) {
                        collect(element, i + 1, out);
                    }
                }
                return;
            }
            node = step(node, i);
        }
        if (!node.isMissingNode()) {
            out.add(node);
        }
    }

    private JsonNode step(JsonNode node, int i) {
        JsonNode next;
        if (node.isArray()) {
            next = indexes[i] >= 0 ? node.get(indexes[i]) : null;
        } else if (node.isObject()) {
            next = node.get(segments[i]);
        } else {
            next = null;
        }
        return next == null ? MissingNode.getInstance() : next;
    }

    private static JsonNode text(String value) {
        return value == null ? MissingNode.getInstance() : TextNode.valueOf(value);
    }

    @Override
    public String toString() {
        return text;
    }

    /** The per-evaluation view of one call. Cheap to create; computes derived values lazily. */
    static final class Eval {
        private static final long MIN_EPOCH_DAY = LocalDate.MIN.toEpochDay();
        private static final long MAX_EPOCH_DAY = LocalDate.MAX.toEpochDay();
        /** No instant has this many seconds: the clock has not been read yet. */
        private static final long UNREAD = Long.MIN_VALUE;

        final Subject subject;
        final String toolName;
        final JsonNode arguments;
        final ToolInfo tool;
        private final Instant now;
        private long epochSecond = UNREAD;
        private RiskCategory category;
        private List<JsonNode> scratch;

        Eval(Subject subject, String toolName, JsonNode arguments, ToolInfo tool, Instant now) {
            this.subject = subject;
            this.toolName = toolName;
            this.arguments = arguments == null ? MissingNode.getInstance() : arguments;
            this.tool = tool;
            this.now = now;
        }

        /** Seconds since the epoch of the evaluation's time, read once. */
        private long epochSecond() {
            if (epochSecond == UNREAD) {
                Instant t = now == null ? Instant.now() : now;
                long days = Math.floorDiv(t.getEpochSecond(), 86_400L);
                if (days < MIN_EPOCH_DAY || days > MAX_EPOCH_DAY) {
                    // Beyond java.time's years: fail as ZonedDateTime does (the call is then denied).
                    t.atZone(ZoneOffset.UTC);
                }
                epochSecond = t.getEpochSecond();
            }
            return epochSecond;
        }

        /** The hour of the day in UTC, 0 to 23 (as {@code ZonedDateTime.getHour()} at UTC). */
        int hourUtc() {
            return (int) (Math.floorMod(epochSecond(), 86_400L) / 3_600L);
        }

        /** The ISO day of the week in UTC, Monday 1 to Sunday 7; 1970-01-01 was a Thursday. */
        int weekdayUtc() {
            return (int) Math.floorMod(Math.floorDiv(epochSecond(), 86_400L) + 3, 7L) + 1;
        }

        RiskCategory category() {
            if (category == null) {
                category = RiskCategory.classify(tool != null ? tool : ToolInfo.named(toolName));
            }
            return category;
        }

        List<JsonNode> scratch() {
            if (scratch == null) {
                scratch = new ArrayList<>();
            }
            scratch.clear();
            return scratch;
        }
    }
}
