package io.warden.testsupport.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.testsupport.Commands;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs an official TypeScript MCP client ({@code test-support/node/sdk-client.mjs}) against a URL: connect,
 * tools/list (all pages), call {@code echo}, read a resource, call {@code slow_progress} with a progress token,
 * then any extra calls. The fixture has all of these; through Warden the same script shows what a real client
 * sees.
 *
 * <pre>{@code
 * SdkClient.Report r = SdkClient.of(SdkClient.Sdk.V2, gatewayUrl).era(SdkClient.Era.MODERN)
 *         .header("Authorization", "Bearer " + token).call("delete_account", "{}").run();
 * assertTrue(r.ok(), r.raw());
 * assertFalse(r.tools().contains("hidden_tool"));
 * assertTrue(r.firstProgressAtMs() < r.progressResultAtMs() - 100);   // streamed, not buffered
 * }</pre>
 */
public final class SdkClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** v1 = {@code @modelcontextprotocol/sdk} 1.32.2 (legacy era only); v2 = {@code @modelcontextprotocol/client} 2.4.0. */
    public enum Sdk { V1, V2 }

    /** Wire era the v2 client uses: initialize handshake, pinned 2026-07-28, or a server/discover probe. */
    public enum Era { LEGACY, MODERN, AUTO }

    private final Sdk sdk;
    private final String url;
    private Era era = Era.LEGACY;
    private String resource = "test://static-text";
    private int progressSteps = 3;
    private int progressDelayMs = 150;
    private Duration timeout = Duration.ofSeconds(60);
    private final List<String> args = new ArrayList<>();

    private SdkClient(Sdk sdk, String url) {
        this.sdk = sdk;
        this.url = url;
    }

    public static SdkClient of(Sdk sdk, String url) {
        return new SdkClient(sdk, url);
    }

    public SdkClient era(Era era) {
        this.era = era;
        return this;
    }

    public SdkClient header(String name, String value) {
        args.add("--header");
        args.add(name + ": " + value);
        return this;
    }

    /** The resource to read; {@code null} skips the step. */
    public SdkClient resource(String uri) {
        this.resource = uri == null ? "none" : uri;
        return this;
    }

    public SdkClient progress(int steps, int delayMs) {
        this.progressSteps = steps;
        this.progressDelayMs = delayMs;
        return this;
    }

    /** An extra tools/call whose outcome is recorded (never fails the run); {@code argumentsJson} is a JSON object. */
    public SdkClient call(String tool, String argumentsJson) {
        args.add("--call");
        args.add(tool);
        args.add("--args");
        args.add(argumentsJson);
        return this;
    }

    public SdkClient timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Report run() {
        List<String> all = new ArrayList<>(List.of("sdk-client.mjs", "--sdk", sdk.name().toLowerCase(),
                "--era", era.name().toLowerCase(), "--url", url, "--resource", resource,
                "--progress-steps", String.valueOf(progressSteps),
                "--progress-delay-ms", String.valueOf(progressDelayMs)));
        all.addAll(args);
        Commands.Result result = NodeTool.node(timeout, all.toArray(String[]::new));
        String line = result.output().lines().filter(l -> l.startsWith("{\"sdk\"")).reduce((a, b) -> b).orElse(null);
        if (line == null) {
            throw new IllegalStateException("sdk-client.mjs printed no report (exit " + result.exitCode()
                    + (result.timedOut() ? ", timed out" : "") + "):\n" + result.output());
        }
        try {
            return new Report(JSON.readTree(line), result.output());
        } catch (IOException e) {
            throw new IllegalStateException("unreadable sdk-client report: " + line, e);
        }
    }

    /** The client's report: one JSON object with a member per step ({@code ok}, then step data or {@code error}). */
    public record Report(JsonNode json, String raw) {
        /** True when every mandatory step (connect, list, echo, resource, progress) worked. */
        public boolean ok() {
            return json.path("ok").asBoolean();
        }

        public JsonNode step(String name) {
            return json.path("steps").path(name);
        }

        /** The extra call's step: {@code ok}, {@code text}, {@code isError}, {@code result} or {@code error}/{@code code}. */
        public JsonNode call(String tool) {
            return step("call:" + tool);
        }

        public String protocolVersion() {
            return step("connect").path("protocolVersion").asText(null);
        }

        public List<String> tools() {
            List<String> names = new ArrayList<>();
            step("listTools").path("tools").forEach(t -> names.add(t.asText()));
            return names;
        }

        public String echoText() {
            return step("echo").path("text").asText(null);
        }

        public String resourceText() {
            return step("readResource").path("text").asText(null);
        }

        /** Arrival of each progress notification, ms after the call started. */
        public List<Long> progressAtMs() {
            List<Long> at = new ArrayList<>();
            step("progress").path("notifications").forEach(n -> at.add(n.path("atMs").asLong()));
            return at;
        }

        public long firstProgressAtMs() {
            return progressAtMs().isEmpty() ? -1 : progressAtMs().get(0);
        }

        /** Arrival of the slow_progress result, ms after the call started. */
        public long progressResultAtMs() {
            return step("progress").path("resultAtMs").asLong(-1);
        }

        public Map<String, Object> asMap() {
            return JSON.convertValue(json, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class));
        }
    }
}
