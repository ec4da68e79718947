package io.warden.policyservice.imports;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.policyservice.grants.GrantService;
import io.warden.policyservice.servers.ServerRules;
import io.warden.policyservice.web.Checks;
import io.warden.policyservice.web.FieldError;
import io.warden.policyservice.web.ProblemException;
import io.warden.snapshot.Grant;
import io.warden.snapshot.StandaloneConfigParser;
import io.warden.snapshot.UpstreamServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A standalone {@code warden.yaml} turned into what the store will hold, or every problem with its pointer into the
 * file. The file is validated twice: by the shared parser (exactly what a gateway accepts), then by the store's own
 * rules (shorter ids, no credentials in URLs, the headers the API refuses), so an import can never write a row the
 * API would refuse. Pure logic.
 */
record ImportPlan(String version, List<ServerRow> servers, List<GrantRow> grants, List<PolicyRow> policies) {

    record ServerRow(String pointer, String id, String name, String url, String era, boolean http2,
                     Map<String, String> headers) {
        @Override
        public String toString() {
            return "ServerRow[" + id + "]"; // url and headers may hold secrets
        }
    }

    record GrantRow(String pointer, String id, String label, String server, String policy, String tokenHash,
                    Map<String, String> tags) {
    }

    record PolicyRow(String pointer, String name, JsonNode document) {
    }

    static ImportPlan of(byte[] body) {
        StandaloneConfigParser.Result result = StandaloneConfigParser.forUpload().parse(body);
        if (result instanceof StandaloneConfigParser.Invalid invalid) {
            List<FieldError> errors = invalid.located().stream()
                    .map(p -> new FieldError(p.pointer(), p.message())).toList();
            boolean unreadable = errors.size() == 1 && errors.get(0).pointer().isEmpty()
                    && errors.get(0).message().startsWith("not valid YAML or JSON");
            throw unreadable ? ProblemException.malformed(errors.get(0).message(), errors)
                    : ProblemException.invalid(errors);
        }
        StandaloneConfigParser.Parsed parsed = (StandaloneConfigParser.Parsed) result;
        // The parser keys grants by token hash and drops list positions; the file's order gives them back.
        JsonNode root = Yaml.tree(body);
        Map<String, Integer> serverAt = positions(root.path("servers"));
        Map<String, Integer> grantAt = positions(root.path("grants"));

        List<FieldError> errors = new ArrayList<>();
        List<ServerRow> servers = new ArrayList<>();
        for (UpstreamServer s : parsed.snapshot().servers().values()) {
            String at = "/servers/" + serverAt.get(s.id());
            Checks checks = new Checks().id(s.id(), "/id").text(s.name(), "/name", 200);
            ServerRules.url(checks, s.url().toString());
            ServerRules.headers(checks, s.headers(), false);
            checks.require(s.categories().isEmpty(), "/categories", "policy-service does not store pinned tool"
                    + " categories; remove them before importing (policies can match tools by name instead)");
            collect(checks, at, errors);
            servers.add(new ServerRow(at, s.id(), s.name(), s.url().toString(), s.era().wire, s.http2(),
                    s.headers()));
        }
        List<GrantRow> grants = new ArrayList<>();
        for (Grant g : parsed.snapshot().grantsByTokenHash().values()) {
            String at = "/grants/" + grantAt.get(g.id());
            Checks checks = new Checks().id(g.id(), "/id").text(g.label(), "/label", 200);
            GrantService.checkTags(checks, g.tags());
            collect(checks, at, errors);
            grants.add(new GrantRow(at, g.id(), g.label(), g.serverId(), g.policyId(), g.tokenHash(), g.tags()));
        }
        List<PolicyRow> policies = new ArrayList<>();
        parsed.policyDocuments().forEach((name, doc) ->
                policies.add(new PolicyRow("/policies/" + Checks.escape(name), name, doc)));
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparing(FieldError::pointer));
            throw ProblemException.invalid(errors);
        }
        servers.sort(Comparator.comparing(ServerRow::id));
        grants.sort(Comparator.comparing(GrantRow::id));
        policies.sort(Comparator.comparing(PolicyRow::name));
        return new ImportPlan(parsed.snapshot().version(), servers, grants, policies);
    }

    private static Map<String, Integer> positions(JsonNode list) {
        Map<String, Integer> at = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            at.putIfAbsent(list.get(i).path("id").asText(), i);
        }
        return at;
    }

    /** The API's checks use pointers relative to one entity; here they are made relative to the file. */
    private static void collect(Checks checks, String at, List<FieldError> errors) {
        try {
            checks.orThrow();
        } catch (ProblemException e) {
            e.problem().errors().forEach(f -> errors.add(new FieldError(at + f.pointer(), f.message())));
        }
    }

    /** Reads the body a second time, only for list positions (the parser already accepted it). */
    private static final class Yaml {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

        static JsonNode tree(byte[] body) {
            try {
                return MAPPER.readTree(new String(body, StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("accepted by the parser, unreadable here", e);
            }
        }
    }
}
