package io.warden.snapshot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.warden.policy.CompileResult;
import io.warden.policy.PolicyCompiler;
import io.warden.policy.PolicyProblem;
import io.warden.policy.RiskCategory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the standalone configuration file (YAML or JSON) into a snapshot, or into the full list of
 * problems, each located by a JSON pointer. Pure: no I/O beyond reading the file and the policy
 * files it names.
 *
 * <pre>
 * servers:  [{id, name, url, era: auto|modern|legacy|dual|http+sse, http2: false|true, headers: {H: "value or ${ENV}"},
 *             categories}]
 * grants:   [{id, label, server, token_hash: "sha256:…", policy, tags: {k: v}}]
 * policies: {id: {…policy document…} | {file: "relative/path.json"}}
 * </pre>
 */
public final class StandaloneConfigParser {

    // Duplicate keys are refused rather than silently letting the last one win: an attacker-supplied import or a
    // bad merge must not hide a second, different policy or header under the same name.
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder().loaderOptions(loaderOptions())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    /**
     * SnakeYAML stops at 3 MB by default; a deployment with thousands of grants is larger than that. The bound stays
     * (an upload is bounded before it gets here, by the receiver's body limit).
     */
    static final int MAX_CODE_POINTS = 64 * 1024 * 1024;
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Set<String> TOP = Set.of("servers", "grants", "policies");
    private static final Set<String> SERVER_FIELDS = Set.of("id", "name", "url", "era", "http2", "headers", "categories");
    private static final Set<String> GRANT_FIELDS = Set.of("id", "label", "server", "token_hash", "policy", "tags");

    public sealed interface Result permits Parsed, Invalid {}

    /**
     * A valid file: the snapshot, and each policy's document as written (after {@code file:} references are read),
     * for a store that keeps the source rather than the compiled form.
     */
    public record Parsed(GatewaySnapshot snapshot, Map<String, JsonNode> policyDocuments) implements Result {
        public Parsed {
            policyDocuments = Map.copyOf(policyDocuments);
        }
    }

    /** Every problem found, each at a JSON pointer into the file ("" for the whole file). */
    public record Invalid(List<Problem> located) implements Result {
        public Invalid {
            located = List.copyOf(located);
        }

        /** The problems as "pointer: message" lines, for a log. */
        public List<String> problems() {
            return located.stream().map(Problem::toString).toList();
        }
    }

    public record Problem(String pointer, String message) {
        @Override
        public String toString() {
            return pointer + ": " + message;
        }
    }

    /** Collects problems in the order found. */
    static final class Problems {
        private final List<Problem> list = new ArrayList<>();

        void add(String pointer, String message) {
            list.add(new Problem(pointer, message));
        }

        boolean isEmpty() {
            return list.isEmpty();
        }
    }

    private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
        org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        return options;
    }

    private final UnaryOperator<String> env;
    private final boolean allowFiles;

    /** {@code env} resolves {@code ${NAME}} in header values; null means placeholders are not allowed at all. */
    private StandaloneConfigParser(UnaryOperator<String> env, boolean allowFiles) {
        this.env = env;
        this.allowFiles = allowFiles;
    }

    public StandaloneConfigParser(UnaryOperator<String> env) {
        this(env, true);
    }

    public static StandaloneConfigParser withSystemEnv() {
        return new StandaloneConfigParser(System::getenv);
    }

    /**
     * For a file that arrives as a request body (policy-service's import): there is no directory to read policy files
     * from, and {@code ${NAME}} placeholders name the gateway's environment, which the receiver does not have.
     */
    public static StandaloneConfigParser forUpload() {
        return new StandaloneConfigParser(null, false);
    }

    public Result parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return invalid(file.toString(), "cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = YAML.readTree(bytes);
        } catch (IOException e) {
            return invalid(file.toString(), "not valid YAML or JSON: " + LogSafe.text(firstLine(e.getMessage())));
        }
        return parse(root, file.toAbsolutePath().getParent(), sha256(bytes).substring(0, 12));
    }

    /** A file's bytes (YAML or JSON) that come from elsewhere than a file (see {@link #forUpload()}). */
    public Result parse(byte[] bytes) {
        JsonNode root;
        try {
            root = YAML.readTree(bytes);
        } catch (IOException e) {
            // Only the parser's first line: the rest quotes the input, which may hold a header value.
            return invalid("", "not valid YAML or JSON: " + LogSafe.text(firstLine(
                    e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage())));
        }
        return parse(root, null, sha256(bytes).substring(0, 12));
    }

    private static Invalid invalid(String pointer, String message) {
        return new Invalid(List.of(new Problem(pointer, message)));
    }

    Result parse(JsonNode root, Path baseDir, String version) {
        Problems problems = new Problems();
        if (root == null || !root.isObject()) {
            return invalid("", "the file must hold an object with servers, grants and policies");
        }
        unknownFields(root, TOP, "", problems);
        Map<String, JsonNode> documents = new LinkedHashMap<>();
        Map<String, PolicyEntry> policies = policies(root.path("policies"), baseDir, documents, problems);
        Map<String, UpstreamServer> servers = servers(root.path("servers"), problems);
        Map<String, Grant> grants = grants(root.path("grants"), servers, policies, problems);
        if (!problems.isEmpty()) {
            return new Invalid(problems.list);
        }
        return new Parsed(new GatewaySnapshot(version, servers, grants, policies), documents);
    }

    private Map<String, UpstreamServer> servers(JsonNode node, Problems problems) {
        Map<String, UpstreamServer> out = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return out;
        }
        if (!node.isArray()) {
            problems.add("/servers", "expected a list of servers");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            String at = "/servers/" + i;
            JsonNode s = node.get(i);
            if (!s.isObject()) {
                problems.add(at, "expected an object with id, name, url, headers");
                continue;
            }
            unknownFields(s, SERVER_FIELDS, at, problems);
            String id = id(s, at, problems);
            String url = text(s, "url", at, true, problems);
            URI uri = null;
            if (url != null) {
                try {
                    uri = URI.create(url);
                    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                        problems.add(at + "/url", "expected an absolute http or https URL, got \"" + LogSafe.url(url) + "\"");
                        uri = null;
                    }
                } catch (IllegalArgumentException e) {
                    // Never the input itself: a URL that does not parse may still hold its credentials.
                    problems.add(at + "/url", "not a URL (" + (e.getCause() instanceof java.net.URISyntaxException u
                            ? u.getReason() + " at index " + u.getIndex() : "malformed") + ")");
                }
            }
            Map<String, String> headers = new LinkedHashMap<>();
            JsonNode h = s.path("headers");
            if (!h.isMissingNode()) {
                if (!h.isObject()) {
                    problems.add(at + "/headers", "expected an object of header name to value");
                } else {
                    for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String hat = at + "/headers/" + escape(e.getKey());
                        if (!e.getValue().isTextual()) {
                            problems.add(hat, "expected a string");
                            continue;
                        }
                        String lower = e.getKey().toLowerCase(java.util.Locale.ROOT);
                        if (lower.equals("host") || lower.equals("content-length") || lower.startsWith("mcp-")) {
                            problems.add(hat, "this header is set by the gateway and cannot be configured");
                            continue;
                        }
                        String value = substitute(e.getValue().asText(), hat, problems);
                        if (value != null) {
                            headers.put(e.getKey(), value);
                        }
                    }
                }
            }
            Map<String, String> categories = categories(s.path("categories"), at + "/categories", problems);
            EraPin era = EraPin.AUTO;
            JsonNode e = s.get("era");
            if (e != null && !e.isNull()) {
                era = e.isTextual() ? EraPin.fromWire(e.asText()) : null;
                if (era == null) {
                    problems.add(at + "/era", "unknown era \"" + e.asText() + "\" (expected " + EraPin.spellings() + ")");
                }
            }
            // Optional, absent in older files: HTTP/1.1, as before.
            boolean http2 = false;
            JsonNode h2 = s.get("http2");
            if (h2 != null && !h2.isNull()) {
                if (h2.isBoolean()) {
                    http2 = h2.booleanValue();
                } else {
                    problems.add(at + "/http2", "expected true or false");
                }
            }
            if (id != null && out.containsKey(id)) {
                problems.add(at + "/id", "duplicate server id \"" + id + "\"");
            } else if (id != null && uri != null && era != null) {
                String name = s.path("name").isTextual() ? s.get("name").asText() : id;
                out.put(id, new UpstreamServer(id, name, uri, headers, categories, era).withHttp2(http2));
            }
        }
        return out;
    }

    /** Operator-pinned risk categories: tool name to read, write, execute, destructive or financial. */
    private static Map<String, String> categories(JsonNode node, String at, Problems problems) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return out;
        }
        if (!node.isObject()) {
            problems.add(at, "expected an object of tool name to category");
            return out;
        }
        node.fields().forEachRemaining(e -> {
            String value = e.getValue().asText("");
            if (e.getValue().isTextual() && RiskCategory.fromJson(value) != null) {
                out.put(e.getKey(), value);
            } else {
                problems.add(at + "/" + escape(e.getKey()), "unknown category \"" + value
                        + "\" (expected read, write, execute, destructive or financial)");
            }
        });
        return out;
    }

    private Map<String, Grant> grants(
            JsonNode node, Map<String, UpstreamServer> servers, Map<String, PolicyEntry> policies, Problems problems) {
        Map<String, Grant> byHash = new HashMap<>();
        if (node.isMissingNode()) {
            return byHash;
        }
        if (!node.isArray()) {
            problems.add("/grants", "expected a list of grants");
            return byHash;
        }
        Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "/grants/" + i;
            JsonNode g = node.get(i);
            if (!g.isObject()) {
                problems.add(at, "expected an object with id, server, token_hash, policy");
                continue;
            }
            unknownFields(g, GRANT_FIELDS, at, problems);
            String id = id(g, at, problems);
            String server = text(g, "server", at, true, problems);
            String hash = text(g, "token_hash", at, true, problems);
            String policy = text(g, "policy", at, false, problems);
            if (id != null && !ids.add(id)) {
                problems.add(at + "/id", "duplicate grant id \"" + id + "\"");
            }
            if (server != null && !servers.containsKey(server)) {
                problems.add(at + "/server", "unknown server \"" + server + "\" (known: " + servers.keySet() + ")");
            }
            if (hash != null && !HASH.matcher(hash).matches()) {
                problems.add(at + "/token_hash", "expected \"sha256:\" and 64 lowercase hex digits"
                        + " (mint one with: java -cp gateway-service/target/classes io.warden.gateway.auth.TokenCommand mint)");
                hash = null;
            }
            if (hash != null && byHash.containsKey(hash)) {
                problems.add(at + "/token_hash", "the same token is already used by grant \"" + byHash.get(hash).id() + "\"");
            }
            if (policy != null && !policies.containsKey(policy)) {
                problems.add(at + "/policy", "unknown policy \"" + policy + "\" (known: " + policies.keySet() + ")");
            }
            Map<String, String> tags = new LinkedHashMap<>();
            JsonNode t = g.path("tags");
            if (!t.isMissingNode()) {
                if (!t.isObject()) {
                    problems.add(at + "/tags", "expected an object of string values");
                } else {
                    t.fields().forEachRemaining(e -> {
                        if (e.getValue().isValueNode()) {
                            tags.put(e.getKey(), e.getValue().asText());
                        } else {
                            problems.add(at + "/tags/" + escape(e.getKey()), "expected a string");
                        }
                    });
                }
            }
            if (id != null && server != null && hash != null) {
                String label = g.path("label").isTextual() ? g.get("label").asText() : id;
                byHash.putIfAbsent(hash, new Grant(id, label, server, hash, policy, tags));
            }
        }
        return byHash;
    }

    private Map<String, PolicyEntry> policies(JsonNode node, Path baseDir, Map<String, JsonNode> documents,
                                              Problems problems) {
        Map<String, PolicyEntry> out = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return out;
        }
        if (!node.isObject()) {
            problems.add("/policies", "expected an object of policy id to policy (inline, or {file: path})");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String at = "/policies/" + escape(e.getKey());
            if (!ID.matcher(e.getKey()).matches()) {
                problems.add(at, "a policy id is 1-128 characters of letters, digits, '.', '_' or '-'");
                continue;
            }
            JsonNode doc = e.getValue();
            if (doc.isObject() && doc.size() == 1 && doc.has("file")) {
                if (!allowFiles) {
                    problems.add(at + "/file", "a policy file cannot be uploaded with the configuration;"
                            + " put the policy document here instead");
                    continue;
                }
                Path p = baseDir.resolve(doc.get("file").asText());
                try {
                    doc = YAML.readTree(Files.readAllBytes(p));
                } catch (IOException ex) {
                    problems.add(at + "/file", "cannot read policy file " + p + ": " + firstLine(ex.getMessage()));
                    continue;
                }
            }
            CompileResult result = PolicyCompiler.compile(doc, e.getKey());
            if (!result.ok()) {
                for (PolicyProblem p : result.problems()) {
                    problems.add(at + p.pointer(), p.message());
                }
                continue;
            }
            // Jackson keeps field order, so the same document always gives the same version.
            String version = sha256(doc.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 12);
            out.put(e.getKey(), new PolicyEntry(e.getKey(), version, result.policy()));
            documents.put(e.getKey(), doc);
        }
        return out;
    }

    private String id(JsonNode n, String at, Problems problems) {
        String id = text(n, "id", at, true, problems);
        if (id != null && !ID.matcher(id).matches()) {
            problems.add(at + "/id", "an id is 1-128 characters of letters, digits, '.', '_' or '-', got \"" + id + "\"");
            return null;
        }
        return id;
    }

    private static String text(JsonNode n, String field, String at, boolean required, Problems problems) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problems.add(at + "/" + field, "required");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            problems.add(at + "/" + field, "expected a non-empty string");
            return null;
        }
        return v.asText();
    }

    private String substitute(String value, String at, Problems problems) {
        Matcher m = ENV.matcher(value);
        if (env == null) {
            if (m.find()) {
                problems.add(at, "${" + m.group(1) + "} names an environment variable of the gateway, which is not"
                        + " known here; put the value itself (it is stored encrypted)");
                return null;
            }
            return value;
        }
        StringBuilder sb = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                problems.add(at, "environment variable " + m.group(1) + " is not set");
                ok = false;
                v = "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return ok ? sb.toString() : null;
    }

    private static void unknownFields(JsonNode n, Set<String> known, String at, Problems problems) {
        n.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                problems.add(at + "/" + escape(f), "unknown field (expected one of " + new java.util.TreeSet<>(known) + ")");
            }
        });
    }

    static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
