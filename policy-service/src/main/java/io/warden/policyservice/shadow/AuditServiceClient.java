package io.warden.policyservice.shadow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.policyservice.web.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A small client for audit-service's read API. Blocking (callers run on worker threads). Every failure is a problem
 * document for the caller: 503 when audit-service is not configured, 502 when it cannot be reached or refuses.
 */
@ApplicationScoped
public class AuditServiceClient {
    private static final Logger LOG = Logger.getLogger(AuditServiceClient.class);
    // audit-service answers snake_case JSON and may add properties: read trees, never bind strictly.
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditServiceConfig config;
    private final HttpClient http;

    public AuditServiceClient(AuditServiceConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout()).build();
    }

    /** True when a URL and a key are configured. */
    public boolean configured() {
        return config.url().filter(u -> !u.isBlank()).isPresent() && config.apiKey().filter(k -> !k.isBlank()).isPresent();
    }

    /** {@code GET /api/<path>?<query>} as JSON. */
    public JsonNode get(String path, Map<String, String> query) {
        HttpResponse<String> r = send(path, query, "application/json", HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw refused(r.statusCode(), r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw unreachable("an answer that is not JSON");
        }
    }

    /**
     * The decisions matching {@code query}, newest first, at most {@code max} (audit-service's JSON-lines export, read
     * as it streams and abandoned after {@code max}). {@link Page#truncated()} says whether more matched.
     */
    public Page decisions(Map<String, String> query, int max) {
        Map<String, String> q = new LinkedHashMap<>(query);
        q.put("format", "jsonl");
        HttpResponse<Stream<String>> r = send("decisions/export", q, "application/x-ndjson",
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            if (r.statusCode() != 200) {
                throw refused(r.statusCode(), String.join("\n", lines.limit(50).toList()));
            }
            List<JsonNode> items = new ArrayList<>();
            Iterator<String> it = lines.iterator();
            boolean more = false;
            while (it.hasNext()) {
                String line = it.next();
                if (line.isBlank()) {
                    continue;
                }
                if (items.size() == max) {
                    more = true;
                    break;
                }
                items.add(JSON.readTree(line));
            }
            return new Page(items, more);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw unreachable("the decision export broke off");
        }
    }

    /** Decisions newest first; {@code truncated}: more matched than were read. */
    public record Page(List<JsonNode> items, boolean truncated) {}

    private <T> HttpResponse<T> send(String path, Map<String, String> query, String accept,
                                     HttpResponse.BodyHandler<T> handler) {
        if (!configured()) {
            throw notConfigured("this");
        }
        StringBuilder url = new StringBuilder(config.url().get().replaceAll("/+$", "")).append("/api/").append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (e.getValue() != null) {
                url.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url.toString())).timeout(config.timeout())
                    .header("Authorization", "Bearer " + config.apiKey().get()).header("Accept", accept)
                    .GET().build();
        } catch (IllegalArgumentException e) {
            throw unreachable("warden.policy.audit-service.url is not a usable URL");
        }
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            LOG.warnf("audit-service at %s: %s", config.url().get(), e.toString());
            throw unreachable("no answer from " + config.url().get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable("interrupted");
        }
    }

    /** 503: {@code what} needs the decision history and no audit-service is configured. */
    public static ProblemException notConfigured(String what) {
        return new ProblemException(503, "audit-not-configured", "audit-service is not configured",
                what + " needs the decision history: set warden.policy.audit-service.url and"
                        + " warden.policy.audit-service.api-key", List.of());
    }

    private static ProblemException unreachable(String why) {
        return new ProblemException(502, "audit-unavailable", "audit-service is unavailable", why, List.of());
    }

    private ProblemException refused(int status, String body) {
        String detail = "audit-service answered " + status;
        try {
            JsonNode problem = JSON.readTree(body);
            if (problem.hasNonNull("detail")) {
                detail += ": " + problem.get("detail").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not a problem document: the status says enough
        }
        if (status == 401 || status == 403) {
            detail += " (check warden.policy.audit-service.api-key)";
        }
        LOG.warnf("audit-service refused a query: %d", status);
        return new ProblemException(502, "audit-unavailable", "audit-service refused the query", detail, List.of());
    }
}
