package io.warden.audit.dashboard;

import static io.warden.audit.TestEvents.api;
import static io.warden.audit.TestEvents.event;
import static io.warden.audit.TestEvents.produce;
import static io.warden.audit.TestEvents.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.api.DecisionEvent;
import io.warden.audit.TestEvents;
import io.warden.testsupport.browser.Chromium;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against the real service (Kafka and PostgreSQL behind it): it asks for a
 * key, refuses a wrong one, shows the decisions a test just produced with their chart and tables, filters them, opens
 * one decision's record, and shows a new decision without a reload. Screenshots go to
 * {@code target/screenshots/dashboard-*.png}.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Path SHOTS = Path.of("target", "screenshots");

    @TestHTTPResource("/dashboard/")
    URL dashboard;

    private Chromium chromium;
    private WebDriver page;

    @BeforeAll
    void browser() {
        chromium = Chromium.start();
        page = chromium.driver();
    }

    @AfterAll
    void close() {
        if (chromium != null) {
            chromium.close();
        }
    }

    private List<String> rowTexts() {
        return page.findElements(By.cssSelector("#decisions tbody tr")).stream().map(WebElement::getText).toList();
    }

    private void signIn(String key) {
        WebElement field = page.findElement(By.id("key"));
        field.clear();
        field.sendKeys(key);
        page.findElement(By.cssSelector("#signin-form button[type=submit]")).click();
    }

    private void awaitStored(DecisionEvent e) {
        Awaitility.await().atMost(WAIT).until(() -> api().get("/api/decisions/" + e.id()).statusCode() == 200);
    }

    @Test
    void showsFiltersAndFollowsDecisionsLive() {
        String server = unique("dash");
        DecisionEvent allowed = event(server, "laptop").build();
        DecisionEvent denied = event(server, "ci-bot").tool("delete_repo")
                .outcome(DecisionEvent.Outcome.DENIED, "/tools/delete_repo", "Deleting repositories is not allowed").build();
        DecisionEvent hidden = event(server, "ci-bot").tool("admin_reset")
                .outcome(DecisionEvent.Outcome.HIDDEN, "(hidden)", null).build();
        produce(allowed, denied, hidden);
        awaitStored(hidden);

        page.get(dashboard.toString());
        Awaitility.await().atMost(WAIT).until(() -> page.findElement(By.id("signin")).isDisplayed());
        signIn("not-a-key");
        Awaitility.await().atMost(WAIT).until(() -> page.findElement(By.id("signin-error")).isDisplayed());
        assertTrue(page.findElement(By.id("signin-error")).getText().contains("refused"));

        signIn(TestEvents.VIEWER_KEY);
        Awaitility.await().atMost(WAIT).until(() -> rowTexts().stream().anyMatch(t -> t.contains("Deleting repositories")));
        Awaitility.await().atMost(WAIT).until(() -> !page.findElements(By.cssSelector("#chart svg rect")).isEmpty());
        Awaitility.await().atMost(WAIT).until(() -> page.findElement(By.id("denied-tools")).getText().contains("delete_repo"));
        assertTrue(page.findElement(By.id("grants")).getText().contains("ci-bot"), "usage per grant");
        chromium.screenshot(SHOTS.resolve("dashboard-overview.png"));

        // Filter: this server's denials only.
        page.findElement(By.name("server")).sendKeys(server);
        new Select(page.findElement(By.name("outcome"))).selectByValue("denied");
        page.findElement(By.cssSelector("#filters button[type=submit]")).click();
        Awaitility.await().atMost(WAIT).until(() -> rowTexts().size() == 1);
        assertTrue(rowTexts().get(0).contains("delete_repo"), rowTexts().toString());
        assertTrue(page.getCurrentUrl().contains("outcome=denied"), "filters are in the address, so they can be linked");

        // One decision's full record.
        page.findElement(By.cssSelector("#decisions tbody tr")).click();
        WebElement detail = page.findElement(By.id("detail"));
        Awaitility.await().atMost(WAIT).until(detail::isDisplayed);
        assertTrue(page.findElement(By.id("detail-json")).getText().contains(denied.id()));
        chromium.screenshot(SHOTS.resolve("dashboard-decision.png"));
        page.findElement(By.id("detail-close")).click();

        // Live: a new denial appears without a reload.
        DecisionEvent later = event(server, "ci-bot").tool("drop_table")
                .outcome(DecisionEvent.Outcome.DENIED, "/tools/drop_table", "Dropping tables is not allowed").build();
        produce(later);
        Awaitility.await().atMost(WAIT).until(() -> rowTexts().stream().anyMatch(t -> t.contains("drop_table")));
        assertEquals(2, rowTexts().size());
        assertTrue(page.findElement(By.id("live-note")).getText().contains("new decision"));
        chromium.screenshot(SHOTS.resolve("dashboard-live.png"));
    }

    @Test
    void anEmptyResultSaysWhatToDo() {
        page.get(dashboard + "?server=" + unique("nothing-here"));
        if (page.findElement(By.id("signin")).isDisplayed()) {
            signIn(TestEvents.VIEWER_KEY);
        }
        Awaitility.await().atMost(WAIT).until(() -> page.findElement(By.id("empty")).isDisplayed());
        String text = page.findElement(By.id("empty")).getText();
        assertTrue(text.contains("Clear the filters"), text);
        assertFalse(page.findElement(By.id("more")).isDisplayed());
        chromium.screenshot(SHOTS.resolve("dashboard-empty.png"));
    }
}
