package io.warden.policyservice.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The webhook's pure parts: signature, backoff, message. */
class WebhookPartsTest {

    @Test
    void theSignatureIsHmacSha256OfTimestampDotBody() {
        // the same as `printf '1700000000.{"text":"hi"}' | openssl dgst -sha256 -hmac 'key-0123456789abcdef'`
        String a = WebhookSignature.sign("key-0123456789abcdef", "1700000000", "{\"text\":\"hi\"}");
        assertEquals("sha256=462c2fa79290b3d4d7243f44547c268ddb24905e537d76119284ba7259b3bd9d", a);
        assertTrue(a.matches("sha256=[0-9a-f]{64}"));
        assertTrue(!a.equals(WebhookSignature.sign("key-0123456789abcdef", "1700000001", "{\"text\":\"hi\"}")),
                "the timestamp is signed");
        assertTrue(!a.equals(WebhookSignature.sign("key-0123456789abcdeF", "1700000000", "{\"text\":\"hi\"}")));
    }

    @Test
    void backoffDoublesIsCappedAndJittersInTheUpperHalf() {
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(30);
        assertEquals(Duration.ofMillis(500), Backoff.after(1, initial, max, () -> 0.0));
        assertEquals(Duration.ofMillis(999), Backoff.after(1, initial, max, () -> 0.999));
        assertEquals(Duration.ofMillis(1000), Backoff.after(2, initial, max, () -> 0.0));
        assertEquals(Duration.ofMillis(4000), Backoff.after(4, initial, max, () -> 0.0));
        assertEquals(Duration.ofMillis(15_000), Backoff.after(6, initial, max, () -> 0.0), "capped at 30 s");
        assertEquals(Duration.ofMillis(15_000), Backoff.after(1000, initial, max, () -> 0.0), "no overflow");
    }

    @Test
    void theMessageNamesTheCallNotItsValuesAndEscapesSlackMarkup() {
        Approval a = new Approval("apr_AAAAAAAAAAAAAAAAAAAAAA", "g1", "<!channel> bot", "files", "rm&<b>", "", List.of(
                "path"), "v2:sealed", "prod", 2, "rm*", "", Approver.USER, Instant.EPOCH, Instant.EPOCH.plusSeconds(60),
                ApprovalState.PENDING, null, null, null, null, "r", "gw");
        String withConsole = WebhookMessage.body(a, Optional.of("https://c.test/"));
        assertTrue(withConsole.contains("<https://c.test/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA|Approve or deny>"),
                withConsole);
        assertTrue(withConsole.contains("&lt;!channel&gt; bot") && withConsole.contains("rm&amp;&lt;b&gt;"),
                withConsole);
        assertTrue(withConsole.contains("the agent's user may answer too"));
        assertTrue(!withConsole.contains("sealed"));
        String bare = WebhookMessage.body(a, Optional.empty());
        assertTrue(bare.contains("POST /api/approvals/apr_AAAAAAAAAAAAAAAAAAAAAA/approve"), bare);
    }
}
