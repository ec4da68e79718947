package io.warden.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.cli.CliFailure;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import io.warden.cli.Output;
import java.util.List;
import java.util.Map;

/** What every admin subcommand does: one request, its answer printed. */
abstract class AdminCall {
    final Context ctx;

    AdminCall(Context ctx) {
        this.ctx = ctx;
    }

    int print(AdminOptions o, String method, String path, String body, List<Output.Column> columns) {
        JsonNode answer = AdminClient.from(o, ctx).send(method, path, body);
        Output.print(ctx.out(), o.output(), answer, columns);
        return ExitCodes.OK;
    }

    static String seg(String value) {
        return AdminClient.seg(value);
    }

    static ObjectNode object() {
        return Output.JSON.createObjectNode();
    }

    /** {@code KEY=VALUE} pairs (picocli has split them) into an object. */
    static ObjectNode pairs(Map<String, String> pairs) {
        ObjectNode out = object();
        if (pairs != null) {
            pairs.forEach(out::put);
        }
        return out;
    }

    /** Values named by environment variable ({@code NAME=VAR}): secrets stay out of the command line. */
    ObjectNode fromEnv(Map<String, String> names) {
        ObjectNode out = object();
        if (names != null) {
            names.forEach((name, variable) -> {
                String value = ctx.env(variable);
                if (value == null) {
                    throw new CliFailure(ExitCodes.USAGE, "environment variable " + variable + " (for " + name
                            + ") is not set");
                }
                out.put(name, value);
            });
        }
        return out;
    }
}
