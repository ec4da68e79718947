package io.warden.cli.admin;

import io.warden.cli.Context;
import io.warden.cli.Output;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code warden tools}: a server's tool inventory, as policy-service classified it. */
@Command(name = "tools", mixinStandardHelpOptions = true, description = "A server's tools with category, risk and the "
        + "recommended rule; refresh the inventory, approve a changed definition, get the recommended policy.")
public final class ToolsCommand extends AdminCall {
    static final List<Output.Column> COLUMNS = List.of(Output.Column.of("name"), Output.Column.of("category"),
            Output.Column.of("risk"), new Output.Column("RECOMMENDED", "recommended.action"), Output.Column.of("changed"),
            Output.Column.of("listed"));

    ToolsCommand(Context ctx) {
        super(ctx);
    }

    @Command(name = "list", description = "List a server's tools.")
    int list(@Mixin AdminOptions o, @Parameters(paramLabel = "SERVER") String server) {
        if (o.output() == Output.Format.json) {
            return print(o, "GET", "/api/servers/" + seg(server) + "/tools", null, null);
        }
        var answer = AdminClient.from(o, ctx).get("/api/servers/" + seg(server) + "/tools");
        Output.print(ctx.out(), o.output(), answer.path("tools"), COLUMNS);
        if (answer.path("pendingApproval").size() > 0) {
            ctx.out().println("definition changed, waiting for approval: " + Output.cell(answer.path("pendingApproval")));
        }
        return 0;
    }

    @Command(name = "show", description = "Show one tool: description, annotations, input schema, why its risk.")
    int show(@Mixin AdminOptions o, @Parameters(index = "0", paramLabel = "SERVER") String server,
             @Parameters(index = "1", paramLabel = "TOOL") String tool) {
        var answer = AdminClient.from(o, ctx).get("/api/servers/" + seg(server) + "/tools");
        for (var t : answer.path("tools")) {
            if (tool.equals(t.path("name").asText())) {
                Output.print(ctx.out(), o.output(), t, null);
                return 0;
            }
        }
        throw new io.warden.cli.CliFailure(io.warden.cli.ExitCodes.REFUSED, "server " + server + " lists no tool "
                + Output.cell(com.fasterxml.jackson.databind.node.TextNode.valueOf(tool)));
    }

    @Command(name = "refresh", description = "Fetch the server's tools/list now.")
    int refresh(@Mixin AdminOptions o, @Parameters(paramLabel = "SERVER") String server) {
        return print(o, "POST", "/api/servers/" + seg(server) + "/tools/refresh", null, null);
    }

    @Command(name = "approve", description = "Accept a tool's changed definition.")
    int approve(@Mixin AdminOptions o, @Parameters(index = "0", paramLabel = "SERVER") String server,
                @Parameters(index = "1", paramLabel = "TOOL") String tool) {
        return print(o, "POST", "/api/servers/" + seg(server) + "/tools/" + seg(tool) + "/approve", null, null);
    }

    @Command(name = "recommend", description = "The recommended policy for the server's tools (JSON).")
    int recommend(@Mixin AdminOptions o, @Parameters(paramLabel = "SERVER") String server) {
        var answer = AdminClient.from(o, ctx).get("/api/servers/" + seg(server) + "/recommended-policy");
        ctx.out().println(Output.json(answer));
        return 0;
    }
}
