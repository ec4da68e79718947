package io.warden.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.warden.gateway.session.SessionKeys;
import io.warden.testsupport.Commands;
import io.warden.testsupport.FreePorts;
import io.warden.testsupport.browser.Chromium;
import io.warden.testsupport.kafka.KafkaProcess;
import io.warden.testsupport.mcp.NodeMcpServer;
import io.warden.testsupport.mcp.NodeTool;
import io.warden.testsupport.mcp.SdkClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The operator's console end to end, every part real and packaged: an operator in headless Chromium registers the
 * fixture upstream, builds a policy in the visual builder (rate-limit {@code add}, hide {@code delete_account}, an
 * approval for {@code region_echo}), saves it and attaches it to a grant minted on the page; the official TypeScript
 * client, through a gateway in connected mode, then follows it. A call waiting for approval is approved on the
 * console's approvals page and the client's retry runs. The gateway's decisions flow through Kafka into
 * audit-service, from which the console replays a changed draft ("what would this policy have done") and shows usage
 * per grant. Screenshots: {@code e2e-tests/target/screenshots/console-e2e-*.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleE2EIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The machine running this may be heavily loaded: a generous ceiling, never a sleep. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String ADMIN_KEY = "e2e-console-admin-key-0123456789abcdef";
    private static final String GATEWAY_KEY = "e2e-console-gateway-key-0123456789abcdef";
    private static final String AUDIT_KEY = "e2e-console-audit-key-" + Long.toHexString(System.nanoTime());
    private static final Pattern APPROVAL_ID = Pattern.compile("apr_[A-Za-z0-9_-]+");
    private static final String SERVER = "billing";
    private static final String POLICY = "billing-agents";
    private static final String GRANT = "support-bot";

    private Path work;
    private io.warden.testsupport.postgres.PostgresServer postgres;
    private KafkaProcess kafka;
    private AuditServiceProcess audit;
    private NodeMcpServer fixture;
    private PolicyServiceProcess policy;
    private GatewayProcess gateway;
    private Chromium chromium;
    private WebDriver page;
    private String token;

    @BeforeAll
    void start() throws IOException {
        chromium = Chromium.start(); // first: without a browser nothing else is worth starting
        page = chromium.driver();
        work = Path.of("target", "console-e2e").toAbsolutePath();
        Commands.deleteTree(work);
        Files.createDirectories(work);
        postgres = io.warden.testsupport.postgres.PostgresServer.launch();
        postgres.createDatabase("warden");
        String auditDatabase = postgres.createDatabase("warden_audit");
        kafka = KafkaProcess.start(work.resolve("kafka"));
        fixture = NodeMcpServer.fixture();
        audit = new AuditServiceProcess(work, postgres, auditDatabase, kafka.bootstrapServers(), "policy-service",
                AUDIT_KEY).launch();

        String cryptoKey = ConnectedBed.randomKey();
        policy = new PolicyServiceProcess(FreePorts.next(), work, postgres.jdbcUrl("warden"), ADMIN_KEY, cryptoKey,
                GATEWAY_KEY)
                .with("warden.policy.audit-service.url", audit.baseUrl())
                .with("warden.policy.audit-service.api-key", AUDIT_KEY)
                .with("warden.policy.console.audit-dashboard-url", audit.baseUrl() + "/dashboard/")
                .start();

        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("warden.gateway.connected.endpoints", policy.endpoint());
        settings.put("warden.gateway.connected.gateway-key", GATEWAY_KEY);
        settings.put("warden.gateway.connected.crypto.keys.v1", cryptoKey);
        settings.put("warden.gateway.connected.snapshot-file", work.resolve("snapshot.bin").toString());
        settings.put("warden.gateway.connected.reconnect-max", "1s");
        settings.put("warden.gateway.decision-log.destinations", "file,kafka");
        settings.put("warden.gateway.decision-log.kafka.bootstrap-servers", kafka.bootstrapServers());
        settings.put("warden.gateway.decision-log.kafka.spool-dir", work.resolve("spool").toString());
        settings.put("warden.gateway.decision-log.heartbeat-interval", "1s");
        gateway = GatewayProcess.launch("console", work, work.resolve("no-standalone.yaml"), SessionKeys.generate(),
                settings);
        gateway.awaitHealthy();
        audit.awaitServing();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {chromium, gateway, policy, audit, kafka, fixture, postgres}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    // ---- the page ------------------------------------------------------------------------------------------------

    private void await(Callable<Boolean> condition) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(condition);
    }

    private WebElement byId(String id) {
        return page.findElement(By.id(id));
    }

    private void go(String hash) {
        ((JavascriptExecutor) page).executeScript("location.hash = arguments[0]", hash);
    }

    private WebElement toolRow(String tool) {
        return page.findElement(By.cssSelector("#pb-tools tr[data-tool='" + tool + "']"));
    }

    private void choose(String tool, String action) {
        new Select(toolRow(tool).findElement(By.cssSelector("select.action"))).selectByValue(action);
    }

    private String chosen(String tool) {
        return new Select(toolRow(tool).findElement(By.cssSelector("select.action"))).getFirstSelectedOption()
                .getAttribute("value");
    }

    private WebElement grantRow() {
        return page.findElement(By.cssSelector("#grants-table tr[data-grant='" + GRANT + "']"));
    }

    private void shot(String name) {
        chromium.screenshot(SHOTS.resolve("console-e2e-" + name + ".png"));
    }

    // ---- the client ----------------------------------------------------------------------------------------------

    private String mcpUrl() {
        return gateway.mcpUrl(SERVER);
    }

    /** The official v2 client lists tools (and runs its standard echo, resource and progress steps). */
    private SdkClient.Report listTools() {
        return SdkClient.of(SdkClient.Sdk.V2, mcpUrl()).header("Authorization", "Bearer " + token).run();
    }

    /**
     * The official v2 client (2025 era, no elicitation) makes {@code calls} (tool, JSON arguments) in one session;
     * each call's outcome, in order.
     */
    private List<JsonNode> call(String... toolsAndArguments) throws IOException {
        List<String> args = new ArrayList<>(List.of("clients/approval-client.mjs", "--sdk", "v2", "--era", "legacy",
                "--url", mcpUrl(), "--token", token, "--elicit", "none"));
        for (int i = 0; i < toolsAndArguments.length; i += 2) {
            args.addAll(List.of("--call", toolsAndArguments[i], "--args", toolsAndArguments[i + 1]));
        }
        Commands.Result run = NodeTool.node(Duration.ofSeconds(90), args.toArray(String[]::new));
        String line = run.output().lines().filter(l -> l.startsWith("{\"sdk\"")).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no report from the client (exit " + run.exitCode() + "):\n" + run.output()));
        JsonNode report = JSON.readTree(line);
        assertTrue(report.path("ok").asBoolean(), line);
        List<JsonNode> out = new ArrayList<>();
        report.path("calls").forEach(out::add);
        return out;
    }

    // ---- the story -----------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void anOperatorRegistersTheUpstreamBuildsAPolicyAndAttachesItToANewGrant() {
        page.get(policy.baseUrl() + "/console/");
        await(() -> byId("signin").isDisplayed());
        byId("key").sendKeys(ADMIN_KEY);
        page.findElement(By.cssSelector("#signin-form button[type=submit]")).click();
        await(() -> byId("view-servers").isDisplayed());

        WebElement form = byId("server-form");
        form.findElement(By.name("id")).sendKeys(SERVER);
        form.findElement(By.name("name")).sendKeys("Billing (fixture)");
        form.findElement(By.name("url")).sendKeys(fixture.url());
        form.findElement(By.cssSelector("button[type=submit]")).click();
        await(() -> byId("view-server").isDisplayed()
                && !page.findElements(By.cssSelector("#tools-table tr[data-tool='region_echo']")).isEmpty());
        shot("tools");

        byId("server-build").click();
        await(() -> byId("view-policies").isDisplayed() && !page.findElements(By.cssSelector("#pb-tools tr[data-tool='add']")).isEmpty());
        byId("pb-name").sendKeys(POLICY);
        new Select(byId("pb-default")).selectByValue("allow");
        choose("add", "rate_limit");
        await(() -> !toolRow("add").findElements(By.className("limit-max")).isEmpty());
        WebElement max = toolRow("add").findElement(By.className("limit-max"));
        max.sendKeys(Keys.chord(Keys.CONTROL, "a"), "2");
        new Select(toolRow("add").findElement(By.className("limit-window"))).selectByValue("hour");
        choose("delete_account", "hide");
        choose("region_echo", "approval");
        await(() -> byId("pb-validity").getText().startsWith("Valid"));
        shot("builder");
        byId("pb-save").click();
        await(() -> byId("pb-status").getText().contains("Saved " + POLICY + " version 1"));
        JsonNode saved = policy.call("GET", "/api/policies/" + POLICY, null).path("document");
        assertEquals(2, saved.at("/tools/add/limits/0/max").asInt(), saved.toString());
        assertEquals("hour", saved.at("/tools/add/limits/0/window").asText(), saved.toString());
        assertEquals("delete_account", saved.at("/hide/0").asText(), saved.toString());
        assertTrue(saved.at("/tools/region_echo/approval/0").isObject(), saved.toString());

        // Mint a grant without a policy (every call denied), then attach the new policy on its row.
        go("#grants");
        await(() -> byId("view-grants").isDisplayed()
                && !byId("grant-form").findElements(By.cssSelector("select[name=server] option[value='" + SERVER + "']")).isEmpty());
        WebElement mint = byId("grant-form");
        mint.findElement(By.name("id")).sendKeys(GRANT);
        mint.findElement(By.name("label")).sendKeys("Support bot");
        new Select(mint.findElement(By.name("server"))).selectByValue(SERVER);
        mint.findElement(By.cssSelector("button[type=submit]")).click();
        await(() -> byId("minted").isDisplayed());
        token = byId("minted-token").getAttribute("value");
        assertTrue(token.startsWith("wdn_"), token);
        assertTrue(byId("cfg-1").getText().contains("/mcp/" + SERVER) && byId("cfg-1").getText().contains(token),
                "ready-to-paste client configuration: " + byId("cfg-1").getText());
        byId("minted-done").click();
        await(() -> !page.findElements(By.cssSelector("#grants-table tr[data-grant='" + GRANT + "']")).isEmpty());
        new Select(grantRow().findElement(By.tagName("select"))).selectByValue(POLICY);
        grantRow().findElement(By.xpath(".//button[text()='Attach']")).click();
        Awaitility.await().atMost(WAIT).until(() -> POLICY.equals(policy.call("GET", "/api/grants/" + GRANT, null)
                .path("policy").asText(null)));
        shot("grant-attached");
    }

    @Test
    @Order(2)
    void aRealClientThroughTheGatewayFollowsThePolicy() throws IOException {
        // The gateway follows policy-service's stream: wait until the client's tools/list shows the policy.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            SdkClient.Report r = listTools();
            assertTrue(r.ok(), r.raw());
            assertTrue(r.tools().contains("add") && r.tools().contains("region_echo"), r.tools().toString());
            assertFalse(r.tools().contains("delete_account"), "hidden from tools/list: " + r.tools());
        });

        fixture.reset();
        List<JsonNode> adds = call("add", "{\"a\": 1, \"b\": 2}", "add", "{\"a\": 3, \"b\": 4}",
                "add", "{\"a\": 5, \"b\": 6}", "delete_account", "{\"account_id\": \"acct-1\"}");
        assertEquals("3", adds.get(0).path("text").asText(), adds.toString());
        assertEquals("7", adds.get(1).path("text").asText(), adds.toString());
        JsonNode third = adds.get(2);
        assertTrue(third.path("isError").asBoolean(), "the third add is past max 2 per hour: " + third);
        assertTrue(third.path("text").asText().startsWith("[POLICY DENIED]")
                && third.path("text").asText().contains("add_calls"), third.toString());
        JsonNode hidden = adds.get(3);
        assertTrue(hidden.path("threw").asBoolean() || hidden.path("isError").asBoolean(), hidden.toString());
        assertEquals(2, fixture.callCount("add"), "the refused add never reached the upstream");
        assertEquals(0, fixture.callCount("delete_account"), "the hidden tool never reached the upstream");
    }

    @Test
    @Order(3)
    void aCallUnderAnApprovalRuleIsApprovedInTheConsoleAndTheRetryRuns() throws IOException {
        String arguments = "{\"region\": \"eu-west\", \"note\": \"refund 42\"}";
        JsonNode first = call("region_echo", arguments).get(0);
        assertTrue(first.path("isError").asBoolean(), first.toString());
        Matcher m = APPROVAL_ID.matcher(first.path("text").asText());
        assertTrue(m.find(), "the pending answer names its approval: " + first);
        String id = m.group();
        assertEquals(0, fixture.callCount("region_echo"), "nothing ran while pending");

        go("#approvals/" + id);
        await(() -> byId("view-approvals").isDisplayed()
                && !page.findElements(By.cssSelector("#approvals-table tr[data-approval='" + id + "']")).isEmpty());
        WebElement row = page.findElement(By.cssSelector("#approvals-table tr[data-approval='" + id + "']"));
        assertTrue(row.getText().contains("region_echo") && row.getText().contains(GRANT), row.getText());
        assertTrue(row.getText().contains("eu-west"), "an admin sees the argument values: " + row.getText());
        row.findElement(By.cssSelector("input.comment")).sendKeys("fine, one refund");
        shot("approval-pending");
        row.findElement(By.xpath(".//button[text()='Approve']")).click();
        await(() -> page.findElements(By.cssSelector("#approvals-table tr[data-approval='" + id + "']")).isEmpty());
        assertEquals("approved", policy.call("GET", "/api/approvals/" + id, null).path("state").asText());
        shot("approval-decided");

        JsonNode retried = call("region_echo", arguments).get(0);
        assertFalse(retried.path("isError").asBoolean(), "the approved retry runs: " + retried);
        assertEquals("region=eu-west", retried.path("text").asText(), retried.toString());
        assertEquals(1, fixture.callCount("region_echo"));
        assertEquals("used", policy.call("GET", "/api/approvals/" + id, null).path("state").asText());
    }

    @Test
    @Order(4)
    void theConsoleReplaysTheRecordedDayThroughADraftAndShowsUsagePerGrant() {
        // Every decision above reaches audit-service through Kafka; the replay needs the last of them.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() ->
                count("outcome=rate_limited") == 1 && count("outcome=approval_granted") == 1
                        && count("outcome=hidden") == 1);

        // The saved policy itself replays as it happened for the calls made under it.
        JsonNode saved = policy.call("GET", "/api/policies/" + POLICY, null).path("document");
        JsonNode same = shadow(saved);
        assertEquals(0, pairs(same).getOrDefault("rate_limited>allowed", 0), same.toPrettyString());
        assertEquals(0, pairs(same).getOrDefault("allowed>rate_limited", 0), same.toPrettyString());
        assertEquals(0, pairs(same).getOrDefault("allowed>approval_required", 0), "the approved call that ran needed"
                + " an approval and still does: " + same.toPrettyString());
        assertEquals(0, pairs(same).getOrDefault("allowed>hidden", 0), same.toPrettyString());

        // A draft: add without its limit, echo denied.
        go("#policies/" + SERVER);
        await(() -> byId("view-policies").isDisplayed() && !page.findElements(By.cssSelector("#pb-tools tr[data-tool='add']")).isEmpty());
        WebElement name = byId("pb-name");
        name.sendKeys(Keys.chord(Keys.CONTROL, "a"), POLICY);
        byId("pb-load").click();
        await(() -> "rate_limit".equals(chosen("add")));
        choose("add", "allow");
        choose("echo", "deny");
        await(() -> byId("pb-validity").getText().startsWith("Valid"));
        await(() -> !byId("shadow-grant").findElements(By.cssSelector("option[value='" + GRANT + "']")).isEmpty());
        new Select(byId("shadow-grant")).selectByValue(GRANT);
        byId("shadow-run").click();
        await(() -> byId("shadow-result").isDisplayed());
        WebElement limited = page.findElement(By.cssSelector("#shadow-changes tr[data-from='rate_limited'][data-to='allowed']"));
        assertTrue(limited.getText().contains("add"), limited.getText());
        assertEquals("1", limited.findElement(By.className("num")).getText());
        WebElement denied = page.findElement(By.cssSelector("#shadow-changes tr[data-from='allowed'][data-to='denied']"));
        assertTrue(denied.getText().contains("echo"), denied.getText());
        assertTrue(byId("shadow-summary").getText().startsWith("Replayed "), byId("shadow-summary").getText());
        ((JavascriptExecutor) page).executeScript("arguments[0].scrollIntoView()", byId("shadow"));
        shot("shadow");

        // The same draft through the API: the counts the page showed.
        ObjectNode draft = (ObjectNode) saved.deepCopy();
        ((ObjectNode) draft.path("tools")).putObject("add");
        ((ObjectNode) draft.path("tools")).putObject("echo").putArray("deny_if").addObject().putArray("conditions");
        JsonNode replay = shadow(draft);
        Map<String, Integer> changes = pairs(replay);
        assertEquals(1, changes.get("rate_limited>allowed"), replay.toPrettyString());
        assertEquals(Integer.parseInt(denied.findElement(By.className("num")).getText()), changes.get("allowed>denied"),
                replay.toPrettyString());
        assertEquals(count("tool=echo&outcome=allowed"), changes.get("allowed>denied").longValue(),
                "every echo that was allowed would have been denied");
        assertTrue(changes.keySet().stream().allMatch(k -> k.equals("rate_limited>allowed") || k.equals("allowed>denied")
                || k.startsWith("denied>")), "nothing else changes (calls refused before the policy was attached"
                + " may now pass): " + changes);

        // Usage per grant and the link into audit-service's dashboard.
        go("#grants");
        await(() -> grantRow().findElement(By.cssSelector("td.usage .calls")).getText().endsWith("calls"));
        String usage = grantRow().findElement(By.cssSelector("td.usage")).getText();
        long calls = Long.parseLong(usage.replaceAll("(?s) calls?.*", ""));
        assertEquals(count(""), calls, usage);
        assertTrue(usage.contains("refused") && usage.contains("last used"), usage);
        String link = grantRow().findElement(By.cssSelector("a.audit-link")).getAttribute("href");
        assertTrue(link.startsWith(audit.baseUrl() + "/dashboard/") && link.contains("grant=" + GRANT)
                && link.contains("server=" + SERVER), link);
        shot("grants-usage");
    }

    /** Decisions audit-service holds for the grant (with an extra filter such as {@code outcome=denied}). */
    private long count(String filter) {
        try {
            JsonNode body = JSON.readTree(audit.get("/api/aggregates/grants?limit=10"
                    + (filter.isEmpty() ? "" : "&" + filter)).body());
            for (JsonNode item : body.path("items")) {
                if (GRANT.equals(item.path("grant_id").asText())) {
                    return item.path("total").asLong();
                }
            }
            return 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode shadow(JsonNode document) {
        ObjectNode request = JSON.createObjectNode().put("server", SERVER).put("grant", GRANT);
        request.set("policy", document);
        JsonNode report = policy.call("POST", "/api/shadow-evaluations", request.toString());
        assertNotNull(report);
        assertFalse(report.path("truncated").asBoolean(), report.toString());
        return report;
    }

    private static Map<String, Integer> pairs(JsonNode report) {
        Map<String, Integer> out = new LinkedHashMap<>();
        report.path("changes").forEach(c -> out.put(c.path("from").asText() + ">" + c.path("to").asText(),
                c.path("count").asInt()));
        return out;
    }
}
