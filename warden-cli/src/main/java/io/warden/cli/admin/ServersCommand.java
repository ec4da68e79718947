package io.warden.cli.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.cli.Context;
import io.warden.cli.Output;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warden servers}: the upstream MCP servers policy-service knows. */
@Command(name = "servers", mixinStandardHelpOptions = true, description = "List, show, register, change, delete and "
        + "test upstream MCP servers (header values are secrets: pass them with --header-env).")
public final class ServersCommand extends AdminCall {
    private static final String HTTP2 = "the upstream speaks HTTP/2 (h2c over http, ALPN over https); --no-http2: "
            + "HTTP/1.1 (the default)";
    static final List<Output.Column> COLUMNS = Output.columns("id", "name", "url", "era", "http2", "updated_at");

    ServersCommand(Context ctx) {
        super(ctx);
    }

    @Command(name = "list", description = "List servers.")
    int list(@Mixin AdminOptions o) {
        return print(o, "GET", "/api/servers", null, COLUMNS);
    }

    @Command(name = "show", description = "Show one server (header values masked).")
    int show(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "GET", "/api/servers/" + seg(id), null, null);
    }

    @Command(name = "create", description = "Register a server.")
    int create(@Mixin AdminOptions o,
               @Option(names = "--id", required = true) String id,
               @Option(names = "--upstream-url", required = true, paramLabel = "UPSTREAM_URL", description = "the MCP endpoint") String url,
               @Option(names = "--name", required = true) String name,
               @Option(names = "--era", description = "auto (default), modern, legacy, dual or http+sse") String era,
               @Option(names = "--http2", negatable = true, description = HTTP2) Boolean http2,
               @Option(names = "--header-env", paramLabel = "NAME=VAR",
                       description = "send header NAME upstream, its value read from environment variable VAR")
               Map<String, String> headers) {
        ObjectNode body = object().put("id", id).put("name", name).put("url", url);
        if (era != null) {
            body.put("era", era);
        }
        if (http2 != null) {
            body.put("http2", http2);
        }
        if (headers != null) {
            body.set("headers", fromEnv(headers));
        }
        return print(o, "POST", "/api/servers", body.toString(), null);
    }

    @Command(name = "update", description = "Change a server; what is not given is kept.")
    int update(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id,
               @Option(names = "--upstream-url", paramLabel = "UPSTREAM_URL") String url,
               @Option(names = "--name") String name,
               @Option(names = "--era") String era,
               @Option(names = "--http2", negatable = true, description = HTTP2) Boolean http2,
               @Option(names = "--header-env", paramLabel = "NAME=VAR") Map<String, String> headers,
               @Option(names = "--remove-header", paramLabel = "NAME") List<String> removed) {
        ObjectNode body = object();
        if (url != null) {
            body.put("url", url);
        }
        if (name != null) {
            body.put("name", name);
        }
        if (era != null) {
            body.put("era", era);
        }
        if (http2 != null) {
            body.put("http2", http2);
        }
        if (headers != null || removed != null) {
            ObjectNode h = fromEnv(headers);
            if (removed != null) {
                removed.forEach(h::putNull);
            }
            body.set("headers", h);
        }
        return print(o, "PATCH", "/api/servers/" + seg(id), body.toString(), null);
    }

    @Command(name = "delete", description = "Delete a server that no grant uses.")
    int delete(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "DELETE", "/api/servers/" + seg(id), null, null);
    }

    @Command(name = "test", description = "Connect to the server now: reachable, era, protocol version.")
    int test(@Mixin AdminOptions o, @Parameters(paramLabel = "ID") String id) {
        return print(o, "POST", "/api/servers/" + seg(id) + "/test", null, null);
    }
}
