package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.testsupport.Commands;
import io.warden.testsupport.mcp.SdkClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/warden-stack} as an operator runs it, as processes: {@code up} with two gateways returns with the URL and
 * the demo token, {@code status} shows every part up, the official TypeScript SDK client calls a tool through the
 * balancer, and {@code down} leaves none of the recorded processes alive.
 */
class LocalStackIT {
    private static final Pattern URL = Pattern.compile("MCP endpoint : (http://127\\.0\\.0\\.1:\\d+/mcp/demo)");
    private static final Pattern TOKEN = Pattern.compile("demo token   : (wdn_\\S+)");

    private final Path dir = Path.of("target", "local-stack-it").toAbsolutePath();

    private static Path script() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("bin/warden-stack"))) {
                return d.resolve("bin/warden-stack");
            }
        }
        throw new IllegalStateException("bin/warden-stack not found above " + Path.of("").toAbsolutePath());
    }

    private Commands.Result stack(String... args) {
        List<String> cmd = new ArrayList<>(List.of(script().toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--dir", dir.toString()));
        return Commands.run(cmd, dir.getParent(), Map.of(), Duration.ofMinutes(7));
    }

    @AfterEach
    void down() {
        stack("down"); // also after a failure: never leave the processes behind
    }

    @Test
    void upStatusCallDown() throws IOException {
        Commands.deleteTree(dir);
        Commands.Result up = stack("up", "--gateways", "2");
        assertEquals(0, up.exitCode(), up.output());
        Matcher url = URL.matcher(up.output());
        Matcher token = TOKEN.matcher(up.output());
        assertTrue(url.find() && token.find(), "up prints the endpoint and the demo token:\n" + up.output());

        Commands.Result status = stack("status");
        assertEquals(0, status.exitCode(), status.output());
        for (String part : List.of("redis", "postgres", "kafka", "upstream", "policy-service", "audit-service",
                "gateway-1", "gateway-2", "balancer")) {
            assertTrue(status.output().lines().anyMatch(l -> l.startsWith(part + " ") && l.endsWith(" up")),
                    part + " is up:\n" + status.output());
        }
        for (String log : List.of("redis", "postgres", "kafka", "upstream", "policy-service", "audit-service",
                "gateway-1", "gateway-2", "stack")) {
            assertTrue(Files.size(dir.resolve("logs/" + log + ".log")) > 0, log + " logs into " + dir.resolve("logs"));
        }

        SdkClient.Report report = SdkClient.of(SdkClient.Sdk.V1, url.group(1))
                .header("Authorization", "Bearer " + token.group(1)).resource(null).run();
        assertEquals("hello from v1", report.echoText(), report.raw());
        assertTrue(report.tools().contains("echo"), report.raw());

        Properties state = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("stack.properties"))) {
            state.load(in);
        }
        List<Long> pids = state.stringPropertyNames().stream().filter(k -> k.endsWith(".pid"))
                .map(k -> Long.parseLong(state.getProperty(k))).distinct().toList();
        assertEquals(9, pids.size(), "supervisor (with the balancer), 4 backends, 2 services, 2 gateways: " + state);
        for (String log : List.of("gateway-1", "gateway-2", "policy-service", "audit-service")) {
            String text = Files.readString(dir.resolve("logs/" + log + ".log"));
            assertFalse(text.contains(token.group(1)), "the demo token is not in " + log + ".log");
        }

        Commands.Result down = stack("down");
        assertEquals(0, down.exitCode(), down.output());
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " stopped");
        }
        assertNotEquals(0, stack("status").exitCode(), "status reports a stopped stack");
        System.out.println("[local-stack] up (2 gateways) → status: 9 parts up → SDK v1 echo through the balancer → down: "
                + pids.size() + " processes gone");
    }
}
