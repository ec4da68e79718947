package io.warden.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.cli.CliFailure;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import io.warden.cli.Output;
import io.warden.cli.policy.PolicyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code warden policies}: the versioned policies of policy-service; push a file, pull one back. */
@Command(name = "policies", mixinStandardHelpOptions = true, description = "List and show policies, push a policy "
        + "file as a new version, pull one into a file, list versions, diff, roll back, validate remotely.")
public final class PoliciesCommand extends AdminCall {
    static final List<Output.Column> COLUMNS = Output.columns("name", "current_version", "hash", "updated_at", "updated_by");
    static final List<Output.Column> VERSIONS = Output.columns("version", "hash", "author", "createdAt", "note", "current");

    PoliciesCommand(Context ctx) {
        super(ctx);
    }

    @Command(name = "list", description = "List policies with their current version.")
    int list(@Mixin AdminOptions o) {
        return print(o, "GET", "/api/policies", null, COLUMNS);
    }

    @Command(name = "show", description = "Show a policy's current version (or --version N), with its document.")
    int show(@Mixin AdminOptions o, @Parameters(paramLabel = "NAME") String name,
             @Option(names = "--version", paramLabel = "N") Integer version) {
        return print(o, "GET", versionPath(name, version), null, null);
    }

    @Command(name = "create", description = "Create a policy from a file (JSON or YAML); it must compile.")
    int create(@Mixin AdminOptions o, @Parameters(index = "0", paramLabel = "NAME") String name,
               @Parameters(index = "1", paramLabel = "FILE") Path file) {
        return print(o, "POST", "/api/policies/" + seg(name), PolicyFiles.jsonText(file), null);
    }

    @Command(name = "push", aliases = "update", description = "Save a file as the policy's new current version; "
            + "creates the policy when it does not exist yet.")
    int push(@Mixin AdminOptions o, @Parameters(index = "0", paramLabel = "NAME") String name,
             @Parameters(index = "1", paramLabel = "FILE") Path file) {
        String document = PolicyFiles.jsonText(file);
        AdminClient client = AdminClient.from(o, ctx);
        JsonNode existing = exists(client, name);
        JsonNode saved = existing == null
                ? client.post("/api/policies/" + seg(name), document)
                : client.post("/api/policies/" + seg(name) + "/versions", document);
        Output.print(ctx.out(), o.output(), saved, null);
        return ExitCodes.OK;
    }

    @Command(name = "pull", description = "Write a policy's document (current, or --version N) to a file or stdout.")
    int pull(@Mixin AdminOptions o, @Parameters(paramLabel = "NAME") String name,
             @Option(names = "--version", paramLabel = "N") Integer version,
             @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "write here instead of stdout") Path file) {
        JsonNode answer = AdminClient.from(o, ctx).get(versionPath(name, version));
        String document = Output.json(answer.path("document")) + "\n";
        if (file == null) {
            ctx.out().print(document);
            return ExitCodes.OK;
        }
        try {
            Files.writeString(file, document, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, file + ": cannot write: " + e.getMessage());
        }
        ctx.err().println(name + " version " + answer.path("version").asText() + " written to " + file);
        return ExitCodes.OK;
    }

    @Command(name = "versions", description = "List a policy's versions.")
    int versions(@Mixin AdminOptions o, @Parameters(paramLabel = "NAME") String name) {
        return print(o, "GET", "/api/policies/" + seg(name) + "/versions", null, VERSIONS);
    }

    @Command(name = "diff", description = "What changed between two versions.")
    int diff(@Mixin AdminOptions o, @Parameters(paramLabel = "NAME") String name,
             @Option(names = "--from", required = true, paramLabel = "N") int from,
             @Option(names = "--to", required = true, paramLabel = "N") int to) {
        return print(o, "GET", "/api/policies/" + seg(name) + "/diff?from=" + from + "&to=" + to, null, null);
    }

    @Command(name = "rollback", description = "Make an earlier version current again (as a new version).")
    int rollback(@Mixin AdminOptions o, @Parameters(paramLabel = "NAME") String name,
                 @Option(names = "--version", paramLabel = "N", description = "default: the previous one") Integer version) {
        String body = version == null ? "{}" : object().put("version", version).toString();
        return print(o, "POST", "/api/policies/" + seg(name) + "/rollback", body, null);
    }

    @Command(name = "validate", description = "Have policy-service validate a file without saving it; exit 1 when invalid.")
    int validate(@Mixin AdminOptions o, @Parameters(paramLabel = "FILE") Path file) {
        JsonNode answer = AdminClient.from(o, ctx).post("/api/policy-validation", PolicyFiles.jsonText(file));
        if (o.output() == Output.Format.json) {
            Output.print(ctx.out(), o.output(), answer, null);
        } else if (answer.path("valid").asBoolean()) {
            ctx.out().println(file + ": valid");
        } else {
            ctx.out().println(file + ": " + answer.path("errors").size() + " problem(s)");
            for (JsonNode e : answer.path("errors")) {
                String pointer = e.path("pointer").asText("");
                ctx.out().println("  " + (pointer.isEmpty() ? "(document)" : Output.cell(e.get("pointer"))) + ": "
                        + Output.cell(e.path("message")));
            }
        }
        return answer.path("valid").asBoolean() ? ExitCodes.OK : ExitCodes.FINDINGS;
    }

    @Command(name = "shadow", description = "What a policy file would have done with the last 24 h of a server's (or "
            + "one grant's) recorded decisions, read from audit-service by policy-service. Saves nothing.")
    int shadow(@Mixin AdminOptions o, @Parameters(paramLabel = "FILE") Path file,
               @Option(names = "--server", required = true, paramLabel = "ID") String server,
               @Option(names = "--grant", paramLabel = "ID", description = "only this grant's decisions") String grant) {
        com.fasterxml.jackson.databind.node.ObjectNode body = object().put("server", server);
        body.put("grant", grant);
        try {
            body.set("policy", Output.JSON.readTree(PolicyFiles.jsonText(file)));
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.USAGE, file + ": not JSON: " + e.getMessage());
        }
        JsonNode answer = AdminClient.from(o, ctx).post("/api/shadow-evaluations", body.toString());
        if (o.output() == Output.Format.json) {
            Output.print(ctx.out(), o.output(), answer, null);
            return ExitCodes.OK;
        }
        ctx.out().println(answer.path("evaluated").asInt() + " decisions replayed (" + Output.cell(answer.get("from"))
                + " to " + Output.cell(answer.get("to")) + "): " + answer.path("unchanged").asInt() + " unchanged, "
                + answer.path("changed").asInt() + " changed, " + answer.path("cannot_tell_count").asInt() + " cannot tell");
        for (JsonNode c : answer.path("changes")) {
            ctx.out().println("  " + Output.cell(c.get("from")) + " -> " + Output.cell(c.get("to")) + ": "
                    + c.path("count").asInt() + examples(c.path("examples")));
        }
        if (answer.path("cannot_tell_count").asInt() > 0) {
            ctx.out().println("  cannot tell: " + answer.path("cannot_tell_count").asInt() + examples(answer.path("cannot_tell")));
        }
        for (JsonNode n : answer.path("notes")) {
            ctx.out().println("note: " + Output.cell(n));
        }
        return ExitCodes.OK;
    }

    /** " (tool, tool, ...)" of a few examples, each as the server spelled it (escaped for the terminal). */
    private static String examples(JsonNode examples) {
        List<String> names = new java.util.ArrayList<>();
        for (JsonNode x : examples) {
            String what = Output.cell(x.hasNonNull("tool") ? x.get("tool") : x.get("method"));
            if (!names.contains(what)) {
                names.add(what);
            }
        }
        return names.isEmpty() ? "" : " (e.g. " + String.join(", ", names) + ")";
    }

    private static String versionPath(String name, Integer version) {
        return "/api/policies/" + seg(name) + (version == null ? "" : "/versions/" + version);
    }

    /** The policy's current version, or null when policy-service has no policy of that name. */
    private static JsonNode exists(AdminClient client, String name) {
        try {
            return client.get("/api/policies/" + seg(name));
        } catch (CliFailure f) {
            if (f.exitCode() == ExitCodes.REFUSED && f.getMessage().contains("→ 404")) {
                return null;
            }
            throw f;
        }
    }
}
