package io.warden.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import io.warden.cli.Output;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warden grants}: who may call which server, under which policy. Tokens are shown once, at mint and rotate. */
@Command(name = "grants", mixinStandardHelpOptions = true,
        description = "List, show, mint, rotate, revoke grants and attach their policy.")
public final class GrantsCommand extends AdminCall {
    static final List<Output.Column> COLUMNS = Output.columns("id", "label", "server", "policy", "state", "expiresAt");

    GrantsCommand(Context ctx) {
        super(ctx);
    }

    @Command(name = "list", description = "List grants.")
    int list(@Mixin AdminOptions o) {
        return print(o, "GET", "/api/grants", null, COLUMNS);
    }

    @Command(name = "show", description = "Show one grant.")
    int show(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "GET", "/api/grants/" + seg(id), null, null);
    }

    @Command(name = "create", aliases = "mint", description = "Mint a grant for one server; its token is shown once.")
    int create(@Mixin AdminOptions o,
               @Option(names = "--id", required = true) String id,
               @Option(names = "--server", required = true) String server,
               @Option(names = "--label", required = true, description = "who the grant is for") String label,
               @Option(names = "--policy") String policy,
               @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "a tag policies can read") Map<String, String> tags,
               @Option(names = "--expires-at", paramLabel = "INSTANT", description = "e.g. 2026-12-31T00:00:00Z") String expiresAt) {
        ObjectNode body = object().put("id", id).put("label", label).put("server", server);
        if (policy != null) {
            body.put("policy", policy);
        }
        if (tags != null) {
            body.set("tags", pairs(tags));
        }
        if (expiresAt != null) {
            body.put("expiresAt", expiresAt);
        }
        return minted(o, AdminClient.from(o, ctx).post("/api/grants", body.toString()));
    }

    @Command(name = "rotate", description = "Give a grant a new token (shown once); the old one stops working.")
    int rotate(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return minted(o, AdminClient.from(o, ctx).post("/api/grants/" + seg(id) + "/rotate", null));
    }

    @Command(name = "revoke", description = "Revoke a grant: its token stops working on every gateway.")
    int revoke(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "POST", "/api/grants/" + seg(id) + "/revoke", null, null);
    }

    @Command(name = "update", aliases = "attach", description = "Attach a policy to a grant (--policy NAME), or detach "
            + "it (--no-policy: the grant then may call nothing).")
    int update(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id,
               @Option(names = "--policy", paramLabel = "NAME") String policy,
               @Option(names = "--no-policy") boolean none) {
        if ((policy == null) == !none) {
            throw new io.warden.cli.CliFailure(ExitCodes.USAGE, "give either --policy NAME or --no-policy");
        }
        ObjectNode body = object();
        if (none) {
            body.putNull("policy");
        } else {
            body.put("policy", policy);
        }
        return print(o, "PUT", "/api/grants/" + seg(id) + "/policy", body.toString(), null);
    }

    /** A minted grant: the token on a line of its own (table) with the reminder that it is shown once. */
    private int minted(AdminOptions o, JsonNode answer) {
        if (o.output() == Output.Format.json) {
            Output.print(ctx.out(), o.output(), answer, null);
            return ExitCodes.OK;
        }
        Output.print(ctx.out(), o.output(), answer.path("grant"), null);
        ctx.out().println("token:     " + Output.cell(answer.path("token")));
        ctx.err().println("# The token is shown this once; give it to the client now (only its hash is stored).");
        return ExitCodes.OK;
    }
}
