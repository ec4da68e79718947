package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import java.util.List;

/** A compiled condition: a leaf {@code {path, op, value}} or a combinator. */
abstract class Condition {

    /** {@link Values#TRUE}, {@link Values#FALSE} or {@link Values#INDETERMINATE}. */
    abstract byte eval(Path.Eval ctx);

    /** Plain-words description, e.g. {@code args.amount is greater than 10000}. */
    abstract String describe();

    /** True when the condition depends only on the subject and the tool. */
    abstract boolean isStatic();

    /**
     * For an indeterminate result: the plain-words reason (path and type, never the value), or
     * {@code null} when this condition is not indeterminate for the call.
     */
    abstract String explainIndeterminate(Path.Eval ctx);

    /** Evaluates a list as a conjunction; indeterminate wins over false. */
    static byte all(Condition[] conditions, Path.Eval ctx) {
        byte result = Values.TRUE;
        for (Condition c : conditions) {
            byte r = c.eval(ctx);
            if (r == Values.INDETERMINATE) {
                return r;
            }
            if (r == Values.FALSE) {
                result = Values.FALSE;
            }
        }
        return result;
    }

    /** Operators of the language. */
    enum Op {
        EQ("eq", "equals"), NEQ("neq", "does not equal"), IN("in", "is one of"), NOT_IN("not_in", "is not one of"),
        LT("lt", "is less than"), LTE("lte", "is at most"), GT("gt", "is greater than"), GTE("gte", "is at least"),
        REGEX("regex", "matches the pattern"), CONTAINS("contains", "contains"), EXISTS("exists", "exists"),
        STARTS_WITH("starts_with", "starts with"), ENDS_WITH("ends_with", "ends with");

        final String json;
        final String words;

        Op(String json, String words) {
            this.json = json;
            this.words = words;
        }

        static Op fromJson(String s) {
            for (Op op : values()) {
                if (op.json.equals(s)) {
                    return op;
                }
            }
            return null;
        }

        static String allNames() {
            StringBuilder b = new StringBuilder();
            for (Op op : values()) {
                b.append(b.length() == 0 ? "" : ", ").append(op.json);
            }
            return b.toString();
        }

        /** What the operator can judge, for indeterminate messages. */
        String accepts() {
            switch (this) {
                case LT: case LTE: case GT: case GTE:
                    return "a number or a numeric string";
                case REGEX: case STARTS_WITH: case ENDS_WITH:
                    return "a string";
                case CONTAINS:
                    return "a string or an array";
                default:
                    return "a single value";
            }
        }
    }

    static final class Leaf extends Condition {
        final Path path;
        final Op op;
        final JsonNode value;
        final Pattern pattern;
        /** The pattern as plain text when it is only that (decided without RE2/J), else {@code null}. */
        final RegexLiteral literal;
        private final String description;

        Leaf(Path path, Op op, JsonNode value, Pattern pattern) {
            this.path = path;
            this.op = op;
            this.value = value;
            this.pattern = pattern;
            this.literal = pattern != null && pattern.flags() == 0 ? RegexLiteral.of(pattern.pattern()) : null;
            if (op == Op.EXISTS) {
                this.description = path.text + (value.booleanValue() ? " is present" : " is absent");
            } else {
                this.description = path.text + " " + op.words + " " + Texts.show(value);
            }
        }

        @Override
        byte eval(Path.Eval ctx) {
            if (!path.hasWildcard) {
                JsonNode actual = path.resolve(ctx);
                if (op == Op.EXISTS) {
                    return Values.of(present(actual) == value.booleanValue());
                }
                return actual.isMissingNode() ? Values.FALSE : test(actual);
            }
            List<JsonNode> found = ctx.scratch();
            path.collect(ctx.arguments, 0, found);
            if (op == Op.EXISTS) {
                boolean any = false;
                for (JsonNode n : found) {
                    any |= present(n);
                }
                return Values.of(any == value.booleanValue());
            }
            byte result = Values.FALSE;
            for (int i = 0; i < found.size(); i++) {
                byte r = test(found.get(i));
                if (r == Values.INDETERMINATE) {
                    return r;
                }
                if (r == Values.TRUE) {
                    result = Values.TRUE;
                }
            }
            return result;
        }

        private static boolean present(JsonNode n) {
            return !n.isMissingNode() && !n.isNull();
        }

        /** The operator applied to one present value. */
        byte test(JsonNode actual) {
            switch (op) {
                case EQ:
                    return Values.equal(actual, value);
                case NEQ:
                    return Values.not(Values.equal(actual, value));
                case IN:
                    return member(actual);
                case NOT_IN:
                    return Values.not(member(actual));
                case LT: case LTE: case GT: case GTE:
                    int c = Values.compare(actual, value);
                    if (c == Values.NOT_NUMERIC) {
                        return Values.INDETERMINATE;
                    }
                    switch (op) {
                        case LT:
                            return Values.of(c < 0);
                        case LTE:
                            return Values.of(c <= 0);
                        case GT:
                            return Values.of(c > 0);
                        default:
                            return Values.of(c >= 0);
                    }
                case REGEX:
                    return actual.isTextual() ? Values.of(find(actual.textValue())) : Values.INDETERMINATE;
                case STARTS_WITH:
                    return actual.isTextual() ? Values.of(actual.textValue().startsWith(value.textValue()))
                            : Values.INDETERMINATE;
                case ENDS_WITH:
                    return actual.isTextual() ? Values.of(actual.textValue().endsWith(value.textValue()))
                            : Values.INDETERMINATE;
                case CONTAINS:
                    if (actual.isTextual()) {
                        return value.isTextual() ? Values.of(actual.textValue().contains(value.textValue()))
                                : Values.INDETERMINATE;
                    }
                    if (actual.isArray()) {
                        for (JsonNode element : actual) {
                            if (Values.deepEqual(element, value)) {
                                return Values.TRUE;
                            }
                        }
                        return Values.FALSE;
                    }
                    return Values.INDETERMINATE;
                default:
                    return Values.INDETERMINATE;
            }
        }

        /** The regex test, kept small so that the JIT can inline it whole. */
        private boolean find(String text) {
            return literal != null ? literal.find(text) : pattern.matcher(text).find();
        }

        private byte member(JsonNode actual) {
            if (actual.isContainerNode()) {
                return Values.INDETERMINATE;
            }
            for (JsonNode candidate : value) {
                if (Values.equal(actual, candidate) == Values.TRUE) {
                    return Values.TRUE;
                }
            }
            return Values.FALSE;
        }

        @Override
        String describe() {
            return description;
        }

        @Override
        boolean isStatic() {
            return path.isStatic();
        }

        @Override
        String explainIndeterminate(Path.Eval ctx) {
            if (op == Op.EXISTS) {
                return null;
            }
            if (!path.hasWildcard) {
                JsonNode actual = path.resolve(ctx);
                if (actual.isMissingNode() || test(actual) != Values.INDETERMINATE) {
                    return null;
                }
                return reason(actual);
            }
            List<JsonNode> found = ctx.scratch();
            path.collect(ctx.arguments, 0, found);
            for (JsonNode n : found) {
                if (test(n) == Values.INDETERMINATE) {
                    return reason(n);
                }
            }
            return null;
        }

        private String reason(JsonNode actual) {
            String type = Texts.typeOf(actual);
            if (actual.isTextual()) {
                type = "a string that is not a number";
            }
            return path.text + " is " + type + ", which operator " + op.json + " cannot judge (expected " + op.accepts() + ")";
        }
    }

    /** any-of and all-of: static when every child is, explained by the first child that cannot tell. */
    abstract static class Group extends Condition {
        final Condition[] children;

        Group(Condition[] children) {
            this.children = children;
        }

        @Override
        boolean isStatic() {
            return allStatic(children);
        }

        @Override
        String explainIndeterminate(Path.Eval ctx) {
            return firstExplanation(children, ctx);
        }
    }

    static final class Any extends Group {
        Any(Condition[] children) {
            super(children);
        }

        @Override
        byte eval(Path.Eval ctx) {
            byte result = Values.FALSE;
            for (Condition c : children) {
                byte r = c.eval(ctx);
                if (r == Values.INDETERMINATE) {
                    return r;
                }
                if (r == Values.TRUE) {
                    result = Values.TRUE;
                }
            }
            return result;
        }

        @Override
        String describe() {
            return "any of (" + join(children) + ")";
        }
    }

    static final class All extends Group {
        All(Condition[] children) {
            super(children);
        }

        @Override
        byte eval(Path.Eval ctx) {
            return all(children, ctx);
        }

        @Override
        String describe() {
            return "all of (" + join(children) + ")";
        }
    }

    static final class Not extends Condition {
        final Condition child;

        Not(Condition child) {
            this.child = child;
        }

        @Override
        byte eval(Path.Eval ctx) {
            return Values.not(child.eval(ctx));
        }

        @Override
        String describe() {
            return "not (" + child.describe() + ")";
        }

        @Override
        boolean isStatic() {
            return child.isStatic();
        }

        @Override
        String explainIndeterminate(Path.Eval ctx) {
            return child.explainIndeterminate(ctx);
        }
    }

    static String join(Condition[] conditions) {
        StringBuilder b = new StringBuilder();
        for (Condition c : conditions) {
            b.append(b.length() == 0 ? "" : "; ").append(c.describe());
        }
        return b.toString();
    }

    static boolean allStatic(Condition[] conditions) {
        for (Condition c : conditions) {
            if (!c.isStatic()) {
                return false;
            }
        }
        return true;
    }

    static String firstExplanation(Condition[] conditions, Path.Eval ctx) {
        for (Condition c : conditions) {
            String e = c.explainIndeterminate(ctx);
            if (e != null) {
                return e;
            }
        }
        return null;
    }
}
