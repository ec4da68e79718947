package io.warden.cli.admin;

import io.warden.cli.Context;
import io.warden.cli.Output;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warden approvals}: calls waiting for a person, and the answer. */
@Command(name = "approvals", mixinStandardHelpOptions = true,
        description = "List and show approval requests; approve or deny one with a comment.")
public final class ApprovalsCommand extends AdminCall {
    static final String BASE = "/api/approvals";
    static final List<Output.Column> COLUMNS = Output.columns("id", "state", "tool", "grant", "server", "createdAt",
            "expiresAt");

    ApprovalsCommand(Context ctx) {
        super(ctx);
    }

    @Command(name = "list", description = "List approval requests (default: the pending ones).")
    int list(@Mixin AdminOptions o,
             @Option(names = "--state", defaultValue = "pending", description = "pending (default), approved, denied, "
                     + "expired, ...") String state) {
        return print(o, "GET", BASE + "?state=" + seg(state), null, COLUMNS);
    }

    @Command(name = "show", description = "Show one request (argument values only for policy managers and admins).")
    int show(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "GET", BASE + "/" + seg(id), null, null);
    }

    @Command(name = "approve", description = "Approve a pending call.")
    int approve(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id,
                @Option(names = "--comment") String comment) {
        return print(o, "POST", BASE + "/" + seg(id) + "/approve", body(comment), null);
    }

    @Command(name = "deny", description = "Deny a pending call; the agent is told it was declined.")
    int deny(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id,
             @Option(names = "--comment") String comment) {
        return print(o, "POST", BASE + "/" + seg(id) + "/deny", body(comment), null);
    }

    private static String body(String comment) {
        return comment == null ? "{}" : object().put("comment", comment).toString();
    }
}
