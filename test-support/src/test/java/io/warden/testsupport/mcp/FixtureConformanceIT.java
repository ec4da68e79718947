package io.warden.testsupport.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.testsupport.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official conformance suite (server mode) run directly against the fixture, once per requirement set:
 * every scored scenario must pass. The summary table is written to {@code target/conformance-direct-<set>.md}.
 */
class FixtureConformanceIT {
    private static NodeMcpServer fixture;

    @BeforeAll
    static void start() {
        fixture = NodeMcpServer.fixture();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-11-25", "2026-07-28"})
    void everyScoredScenarioPassesDirectly(String requirements) throws IOException {
        Path out = Files.createDirectories(Path.of("target", "conformance-direct-" + requirements));
        Commands.Result run = NodeTool.conformanceServer(fixture.url(), requirements, out, Duration.ofMinutes(5));
        ConformanceReport report = ConformanceReport.parse(requirements, run.output());
        Files.writeString(Path.of("target", "conformance-direct-" + requirements + ".md"), report.toMarkdown());

        assertTrue(report.scenarios().size() > 25, "summary not found in output:\n" + run.output());
        assertEquals(java.util.List.of(), report.scoredFailures(), run.output());
        assertEquals(0, run.exitCode(), run.output());
    }
}
