package io.warden.policy;

import java.util.List;

/**
 * The rules that apply to a call once its tool rule is picked: all_tools entries followed by
 * the tool's own, flattened at compile time so evaluation walks plain arrays.
 */
final class RuleSet {
    /** Pointer of the tool rule ({@code /tools/x}, {@code /categories/financial}) or {@code null}. */
    final String pointer;
    final Entry[] require;
    final Entry[] denyIf;
    final Entry[] approval;
    final LimitSpec[] limits;
    /** Shared allow decision when nothing per call can change it (no limits, no shadow entries). */
    final Decision constantAllow;
    /** True when a require or deny_if entry denies every call of a subject: see {@link #neverCallable}. */
    final boolean hasStaticDenial;

    RuleSet(String pointer, Entry[] require, Entry[] denyIf, Entry[] approval, LimitSpec[] limits) {
        this.pointer = pointer;
        this.require = require;
        this.denyIf = denyIf;
        this.approval = approval;
        this.limits = limits;
        boolean anyShadow = false;
        boolean staticDenial = false;
        for (Entry[] list : new Entry[][] {require, denyIf, approval}) {
            for (Entry e : list) {
                anyShadow |= e.shadow;
                staticDenial |= e.isStatic && !e.shadow && e.kind != Entry.Kind.APPROVAL;
            }
        }
        this.constantAllow = limits.length == 0 && !anyShadow
                ? new Decision(Outcome.ALLOW, "", "", List.of(), null, List.of()) : null;
        this.hasStaticDenial = staticDenial;
    }

    /**
     * True when an enforced require or deny_if entry whose conditions depend only on the subject
     * and the tool denies this subject: the tool can never be called by it.
     */
    boolean neverCallable(Path.Eval ctx) {
        if (!hasStaticDenial) {
            return false;
        }
        for (Entry e : require) {
            if (e.isStatic && !e.shadow && e.eval(ctx) != Values.TRUE) {
                return true;
            }
        }
        for (Entry e : denyIf) {
            if (e.isStatic && !e.shadow && e.eval(ctx) != Values.FALSE) {
                return true;
            }
        }
        return false;
    }
}
