package io.warden.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.warden.cli.CliFailure;
import io.warden.cli.Context;
import io.warden.cli.ExitCodes;
import io.warden.cli.Output;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The admin API of policy-service over {@code java.net.http}: one call, one JSON answer. The API key comes from
 * {@code WARDEN_API_KEY} only (an option would show it in process listings and shell history). A 4xx answer becomes
 * exit code 3 with the server's problem document; a 5xx, a timeout or no connection, exit code 4.
 */
public final class AdminClient {
    static final String DEFAULT_URL = "http://localhost:8082";
    static final String URL_ENV = "WARDEN_URL";
    static final String KEY_ENV = "WARDEN_API_KEY";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String apiKey;
    private final HttpClient http;

    AdminClient(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The client for these options and this environment; usage failure when the URL or the key is missing or bad. */
    static AdminClient from(AdminOptions options, Context ctx) {
        String url = options.url != null ? options.url : ctx.env(URL_ENV) != null ? ctx.env(URL_ENV) : DEFAULT_URL;
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(ExitCodes.USAGE, "not a URL: " + Output.json(com.fasterxml.jackson.databind.node
                    .TextNode.valueOf(url)));
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new CliFailure(ExitCodes.USAGE, "--url / " + URL_ENV + " must be an http(s) URL such as "
                    + DEFAULT_URL);
        }
        String key = ctx.env(KEY_ENV);
        if (key == null) {
            throw new CliFailure(ExitCodes.USAGE, "set " + KEY_ENV + " to a policy-service API key");
        }
        return new AdminClient(uri, key.strip());
    }

    /** One path segment, percent-encoded, so an id can never step into another path. */
    static String seg(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, String jsonBody) {
        return send("POST", path, jsonBody);
    }

    /** Sends one request; returns the JSON answer, or null for an empty one (204). */
    JsonNode send(String method, String path, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "application/json, application/problem+json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new CliFailure(ExitCodes.UNAVAILABLE, method + " " + path + ": policy-service at " + base
                    + " did not answer within " + TIMEOUT.toSeconds() + "s");
        } catch (ConnectException e) {
            throw new CliFailure(ExitCodes.UNAVAILABLE, "cannot reach policy-service at " + base
                    + " (set --url or " + URL_ENV + ")");
        } catch (IOException e) {
            throw new CliFailure(ExitCodes.UNAVAILABLE, method + " " + path + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(ExitCodes.UNAVAILABLE, "interrupted");
        }
        int status = r.statusCode();
        JsonNode body = parse(r.body());
        if (status >= 200 && status < 300) {
            return body;
        }
        String problem = describe(status, body, r.body());
        throw new CliFailure(status >= 400 && status < 500 ? ExitCodes.REFUSED : ExitCodes.UNAVAILABLE,
                method + " " + path + " → " + problem);
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Output.JSON.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** "404 Not Found: no server "x"", then each located error of the problem document on its own line. */
    static String describe(int status, JsonNode problem, String raw) {
        StringBuilder b = new StringBuilder().append(status);
        if (problem != null && problem.isObject()) {
            if (problem.hasNonNull("title")) {
                b.append(' ').append(Output.cell(problem.get("title")));
            }
            if (problem.hasNonNull("detail")) {
                b.append(": ").append(Output.cell(problem.get("detail")));
            }
            for (JsonNode e : problem.path("errors")) {
                String pointer = e.path("pointer").asText("");
                b.append("\n  ").append(pointer.isEmpty() ? "(document)" : Output.cell(e.get("pointer")))
                        .append(": ").append(Output.cell(e.path("message")));
            }
        } else if (raw != null && !raw.isBlank()) {
            b.append(": ").append(Output.cell(com.fasterxml.jackson.databind.node.TextNode.valueOf(
                    raw.length() > 300 ? raw.substring(0, 300) + "…" : raw)));
        }
        return b.toString();
    }
}
