package io.warden.audit.query;

import static io.restassured.RestAssured.given;
import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.distinct;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.idsOf;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decision listing: every filter, keyset pagination under concurrent inserts, errors and authentication. */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionApiTest {

    private final String server = unique("api");
    private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(30));
    private DecisionEvent e1;
    private DecisionEvent e2;
    private DecisionEvent e3;
    private DecisionEvent e4;
    private DecisionEvent e5;

    /** Once per class, but in a BeforeEach: RestAssured knows the test port only from there on. */
    @BeforeEach
    void data() {
        if (e1 != null) {
            return;
        }
        e1 = event(server, "A").time(t0.minusSeconds(300)).policy("p1", "1").build();
        e2 = event(server, "A").time(t0.minusSeconds(240)).tool("delete_file").policy("p1", "2")
                .outcome(DecisionEvent.Outcome.DENIED, "/tools/delete_file", "Deleting files is NOT allowed").build();
        e3 = event(server, "B").time(t0.minusSeconds(180)).policy("p2", "1")
                .outcome(DecisionEvent.Outcome.HIDDEN, "(hidden)", null).build();
        e4 = event(server, "B").time(t0.minusSeconds(120)).tool("search").policy("p2", "1")
                .outcome(DecisionEvent.Outcome.APPROVAL_REQUIRED, "/tools/search/approval", "needs 50% approval_ok")
                .build();
        e5 = event(server, "C").time(t0.minusSeconds(60)).policy(null, null)
                .outcome(DecisionEvent.Outcome.UPSTREAM_ERROR, null, null).build();
        produce(e1, e2, e3, e4, e5);
        await().atMost(Duration.ofSeconds(60)).until(() -> idsOf("server=" + server).size() == 5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "''                                       | e5 e4 e3 e2 e1",
            "grant=A                                  | e2 e1",
            "tool=echo                                | e5 e3 e1",
            "outcome=denied                           | e2",
            "outcome=denied&outcome=hidden            | e3 e2",
            "rule=/tools/delete_file                  | e2",
            "rule=(hidden)                            | e3",
            "policy_id=p1                             | e2 e1",
            "policy_id=p1&policy_version=2            | e2",
            "policy_version=1                         | e4 e3 e1",
            "q=not allowed                            | e2",
            "q=DELETING                               | e2",
            "q=50%                                    | e4",
            "q=_                                      | e4",
            "q=%                                      | e4",
            "grant=B&tool=search&outcome=approval_required | e4",
            "grant=nobody                             | ''",
    })
    void filters(String query, String expected) {
        List<String> ids = idsOf("server=" + server + (query.isEmpty() ? "" : "&" + encode(query)));
        assertEquals(names(expected), ids, query);
    }

    @Test
    void timeRangeIsFromInclusiveToExclusiveAndTakesOffsets() {
        String from = t0.minusSeconds(240).toString();
        String to = t0.minusSeconds(120).atOffset(ZoneOffset.ofHours(2)).toString(); // same instant, another offset
        assertEquals(names("e3 e2"), idsOf("server=" + server + "&from=" + encode(from) + "&to=" + encode(to)));
        assertEquals(names("e5 e4"), idsOf("server=" + server + "&from=" + encode(t0.minusSeconds(120).toString())));
        assertEquals(names("e2 e1"), idsOf("server=" + server + "&to=" + encode(t0.minusSeconds(180).toString())));
    }

    @Test
    void pagesFollowTheCursorNewestFirstToTheEnd() {
        JsonPath first = page(null, 2);
        assertEquals(names("e5 e4"), first.getList("items.id"));
        JsonPath second = page(first.getString("next_cursor"), 2);
        assertEquals(names("e3 e2"), second.getList("items.id"));
        JsonPath third = page(second.getString("next_cursor"), 2);
        assertEquals(names("e1"), third.getList("items.id"));
        assertEquals(null, third.getString("next_cursor"));
        // exactly a page's worth left: the last full page says there is no more
        assertEquals(null, page(first.getString("next_cursor"), 3).getString("next_cursor"));
    }

    @Test
    void oneDecisionById() {
        api().get("/api/decisions/" + e2.id()).then().statusCode(200)
                .body("id", equalTo(e2.id())).body("rule", equalTo("/tools/delete_file"))
                .body("policy_version", equalTo("2"));
        api().get("/api/decisions/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
    }

    @Test
    void aWalkUnderConcurrentInsertsNeverRepeatsOrSkipsADecision() {
        String walked = unique("walk");
        Instant base = Instant.now().minus(Duration.ofMinutes(10));
        List<DecisionEvent> originals = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            // several share a timestamp: the id breaks the tie, and the cursor has to carry it
            originals.add(event(walked, "g").time(base.plusMillis((i / 3) * 1000L)).build());
        }
        produce(originals);
        await().atMost(Duration.ofSeconds(20)).until(() -> idsOf("server=" + walked).size() == 150);

        List<String> seen = new ArrayList<>();
        List<Instant> times = new ArrayList<>();
        Set<String> inserted = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonPath page = api().queryParam("server", walked).queryParam("limit", 7)
                    .queryParams(cursor == null ? java.util.Map.of() : java.util.Map.of("cursor", cursor))
                    .get("/api/decisions").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            page.getList("items.time", String.class).forEach(t -> times.add(Instant.parse(t)));
            cursor = page.getString("next_cursor");
            // between pages: newer decisions, and late ones inside the range still to walk and the range walked
            List<DecisionEvent> more = List.of(
                    event(walked, "new").build(),
                    event(walked, "late").time(base.plusMillis(500)).build(),
                    event(walked, "late").time(base.plusMillis(49_500)).build());
            produce(more);
            more.forEach(e -> inserted.add(e.id()));
            if (++pages % 5 == 0) {
                await().atMost(Duration.ofSeconds(10)).until(() -> idsOf("server=" + walked).containsAll(
                        more.stream().map(DecisionEvent::id).toList()));
            }
        } while (cursor != null);

        Set<String> unique = distinct(seen);
        for (DecisionEvent original : originals) {
            assertTrue(unique.contains(original.id()), "walk skipped " + original.id());
        }
        for (int i = 1; i < times.size(); i++) {
            assertTrue(!times.get(i).isAfter(times.get(i - 1)), "newest first");
        }
        assertTrue(pages >= 150 / 7, "pages: " + pages);
        Set<String> concurrentSeen = new HashSet<>(unique);
        concurrentSeen.retainAll(inserted);
        assertTrue(!concurrentSeen.isEmpty(), "some late inserts landed inside the range still to walk");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/decisions?outcome=maybe                  | outcome",
            "/api/decisions?from=yesterday                 | from",
            "/api/decisions?to=2026-13-01T00:00:00Z        | to",
            "/api/decisions?from=2026-12-03T10:00:00Z&to=2026-12-03T09:00:00Z | to",
            "/api/decisions?cursor=garbage                 | cursor",
            "/api/decisions?cursor=djE6YWJjOmRlZg          | cursor",
            "/api/decisions?limit=0                        | limit",
            "/api/decisions?limit=1001                     | limit",
            "/api/decisions?limit=ten                      | limit",
            "/api/decisions?grnt=A                         | grnt",
            "/api/decisions?grant=A&grant=B                | grant",
            "/api/decisions?server=                        | server",
            "/api/decisions/not-a-uuid                     | id",
            "/api/decisions/00000000-0000-0000-0000-000000000000?grant=A | grant",
            "/api/decisions/export?format=xml              | format",
            "/api/decisions/export?limit=5                 | limit",
            "/api/aggregates/outcomes?bucket=5x            | bucket",
            "/api/aggregates/outcomes?bucket=1s            | bucket",
            "/api/aggregates/outcomes?bucket=0m            | bucket",
            "/api/aggregates/denied-tools?limit=-1         | limit",
            "/api/aggregates/grants?outcome=DENY           | outcome",
            "/api/aggregates/latency?bucket=1h             | bucket",
    })
    void badParametersAreA400ProblemNamingTheParameter(String url, String parameter) {
        api().urlEncodingEnabled(false).get(url).then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("type", equalTo("urn:warden:problem:bad-parameter"))
                .body("title", equalTo("Bad query parameter"))
                .body("parameter", equalTo(parameter))
                .body("$", hasKey("detail"));
    }

    @Test
    void aCursorIsOpaqueButTamperingIsRefused() {
        String cursor = page(null, 1).getString("next_cursor");
        String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        assertTrue(plain.startsWith("v1:"), plain);
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                plain.replace("v1:", "v1:x").getBytes(StandardCharsets.UTF_8));
        api().queryParam("cursor", forged).get("/api/decisions").then().statusCode(400).body("parameter", equalTo("cursor"));
    }

    @Test
    void everyRoleMayRead() {
        for (String key : List.of(TestEvents.VIEWER_KEY, TestEvents.POLICY_MANAGER_KEY, TestEvents.ADMIN_KEY)) {
            given().auth().oauth2(key).get("/api/decisions/" + e1.id()).then().statusCode(200);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/api/decisions",
            "/api/decisions/export",
            "/api/aggregates/outcomes",
            "/api/aggregates/latency",
    })
    void aMissingOrUnknownKeyIs401WithAChallenge(String path) {
        given().get(path).then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer realm=\"warden-audit\""))
                .body("status", equalTo(401));
        given().auth().oauth2("not-a-key").get(path).then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"warden-audit\", error=\"invalid_token\""));
        given().header("Authorization", "Basic dGVzdC12aWV3ZXIta2V5Og==").get(path).then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"warden-audit\", error=\"invalid_request\""));
        // the hash itself is not a key
        given().auth().oauth2(io.warden.audit.security.ConfiguredApiKeys.hashOf(TestEvents.VIEWER_KEY)).get(path)
                .then().statusCode(401);
    }

    @Test
    void healthMetricsAndTheOpenApiDocumentNeedNoKey() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        for (String path : List.of("/api/decisions", "/api/decisions/{id}", "/api/decisions/export",
                "/api/aggregates/outcomes", "/api/aggregates/denied-tools", "/api/aggregates/denied-rules",
                "/api/aggregates/grants", "/api/aggregates/latency")) {
            assertTrue(doc.getMap("paths").containsKey(path), path + " in " + doc.getMap("paths").keySet());
        }
        assertEquals("bearer", doc.getString("components.securitySchemes.apiKey.scheme"));
        // a decision is described as warden-api's event, not as the wrapper that carries its JSON
        assertTrue(doc.getMap("components.schemas.DecisionEvent.properties").containsKey("grant_id"),
                String.valueOf(doc.getMap("components.schemas")));
        assertTrue(doc.getMap("components.schemas.DecisionPage.properties").containsKey("next_cursor"));
        List<String> listParams = doc.getList("paths.'/api/decisions'.get.parameters.name");
        assertTrue(listParams.containsAll(List.of("from", "to", "server", "grant", "tool", "outcome", "rule",
                "policy_id", "policy_version", "q", "limit", "cursor")), listParams.toString());
    }

    @Test
    void unknownPathsAreProblemsToo() {
        api().get("/api/nothing-here").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404)).body("parameter", nullValue());
    }

    private JsonPath page(String cursor, int limit) {
        var request = api().queryParam("server", server).queryParam("limit", limit);
        if (cursor != null) {
            request.queryParam("cursor", cursor);
        }
        return request.get("/api/decisions").then().statusCode(200).extract().jsonPath();
    }

    private List<String> names(String expected) {
        List<String> ids = new ArrayList<>();
        for (String name : expected.split(" ")) {
            switch (name) {
                case "e1" -> ids.add(e1.id());
                case "e2" -> ids.add(e2.id());
                case "e3" -> ids.add(e3.id());
                case "e4" -> ids.add(e4.id());
                case "e5" -> ids.add(e5.id());
                case "" -> { }
                default -> throw new IllegalArgumentException(name);
            }
        }
        return ids;
    }

    /** Encodes each value of a query string, keeping its {@code &} and {@code =}. */
    private static String encode(String query) {
        List<String> parts = new ArrayList<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            parts.add(pair.substring(0, eq + 1) + URLEncoder.encode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return String.join("&", parts);
    }
}
