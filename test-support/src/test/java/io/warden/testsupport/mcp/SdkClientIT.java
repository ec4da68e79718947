package io.warden.testsupport.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The official TypeScript clients against the fixture: the baseline every "through Warden" run compares to. */
class SdkClientIT {
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
    @CsvSource({"V1, LEGACY, ", "V2, LEGACY, 2025-11-25", "V2, MODERN, 2026-07-28"})
    void officialClientListsCallsReadsAndSeesProgressStreamed(SdkClient.Sdk sdk, SdkClient.Era era, String version) {
        fixture.reset();
        SdkClient.Report report = SdkClient.of(sdk, fixture.url()).era(era)
                .header("Authorization", "Bearer from-the-client")
                .call("delete_account", "{\"account_id\":\"a-1\"}")
                .call("no_such_tool", "{}")
                .run();

        assertTrue(report.ok(), report.raw());
        if (version != null) {
            assertEquals(version, report.protocolVersion());
        }
        assertTrue(report.tools().containsAll(java.util.List.of("echo", "delete_account", "slow_progress")));
        assertEquals("hello from " + sdk.name().toLowerCase(), report.echoText());
        assertEquals("This is the content of the static text resource.", report.resourceText());
        assertEquals(3, report.progressAtMs().size());
        assertTrue(report.firstProgressAtMs() < report.progressResultAtMs() - 100,
                "first progress must arrive well before the result: " + report.step("progress"));
        assertEquals("account a-1 deleted", report.call("delete_account").path("text").asText());
        assertFalse(report.call("no_such_tool").path("ok").asBoolean());
        assertEquals(-32602, report.call("no_such_tool").path("code").asInt());
        assertEquals(1, fixture.callCount("delete_account"));
        assertEquals("Bearer from-the-client", fixture.lastHeaders().get("authorization"));
    }
}
