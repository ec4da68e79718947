package io.warden.gateway.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.warden.api.GrantTokens;
import io.warden.gateway.audit.ArgumentDigest;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.mcp.NodeMcpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A standalone gateway with approval rules in front of the Node fixture (official TypeScript SDK): tools that the
 * user may approve, tools only an operator may approve, one with the shortest timeout; two grants on the same policy;
 * the admin endpoint on.
 */
public class ApprovalTestBed implements QuarkusTestResourceLifecycleManager {

    public static final String USER_TOKEN = GrantTokens.mint();
    public static final String OPERATOR_TOKEN = GrantTokens.mint();
    public static final String OTHER_OPERATOR_TOKEN = GrantTokens.mint();
    public static final String ADMIN_KEY = "admin-" + GrantTokens.mint();

    static NodeMcpServer fixture;
    static Path dir;
    static Path decisions;

    @Override
    public Map<String, String> start() {
        try {
            fixture = NodeMcpServer.fixture();
            dir = Files.createTempDirectory("warden-approval-it");
            decisions = dir.resolve("decisions.jsonl");
            Path config = dir.resolve("warden.yaml");
            Files.writeString(config, """
                    servers:
                      - {id: fixture, url: "%s"}
                    grants:
                      - {id: user, label: user-grant, server: fixture, token_hash: "%s", policy: user-approves}
                      - {id: operator, server: fixture, token_hash: "%s", policy: operator-approves}
                      - {id: operator-2, server: fixture, token_hash: "%s", policy: operator-approves}
                    policies:
                      user-approves:
                        version: "1"
                        default: allow
                        tools:
                          echo:
                            approval: [{conditions: [], reason: "Echo is sensitive.", approver: user}]
                          test_input_required_result_elicitation:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                          test_input_required_result_sampling:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                          test_input_required_result_list_roots:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                          test_input_required_result_request_state:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                          test_input_required_result_multiple_inputs:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                          test_input_required_result_multi_round:
                            approval: [{conditions: [], reason: "Needs the user.", approver: user}]
                      operator-approves:
                        version: "1"
                        default: allow
                        tools:
                          echo:
                            approval: [{conditions: [], reason: "Echo needs an operator.", timeout: 5m}]
                          add:
                            approval: [{conditions: [], reason: "Adding needs an operator.", timeout: 10s}]
                            limits: [{counter: adds, window: hour, max: 100, scope: grant}]
                          region_echo:
                            approval: [{conditions: [], reason: "Regions need an operator."}]
                            limits: [{counter: regions, window: hour, max: 1, scope: grant}]
                    """.formatted(fixture.url(), GrantTokens.hash(USER_TOKEN), GrantTokens.hash(OPERATOR_TOKEN),
                    GrantTokens.hash(OTHER_OPERATOR_TOKEN)));
            return Map.of(
                    "warden.gateway.standalone.file", config.toString(),
                    "warden.gateway.decision-log.file", decisions.toString(),
                    "warden.gateway.decision-log.digest-key", ArgumentDigest.generateKey(),
                    "warden.gateway.session.keys", SessionKeys.generate(),
                    "warden.gateway.approvals.admin-key", ADMIN_KEY,
                    "warden.gateway.approvals.recheck-interval", "1s");
        } catch (IOException e) {
            stop();
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
