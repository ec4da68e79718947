package io.warden.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void aUrlKeepsSchemeHostPortAndPathOnly() {
        assertEquals("https://mcp.example.com/v1/mcp",
                LogSafe.url(URI.create("https://alice:s3cret@mcp.example.com/v1/mcp?api_key=k-123#frag")));
        assertEquals("http://127.0.0.1:3101/mcp", LogSafe.url(URI.create("http://127.0.0.1:3101/mcp?api_key=k")));
        assertEquals("http://[::1]:80/", LogSafe.url(URI.create("http://token@[::1]:80/?x=1")));
        assertEquals("redis://redis.internal:6379", LogSafe.url(URI.create("redis://:hunter2@redis.internal:6379")));
        assertEquals("http://h/p", LogSafe.url(URI.create("http://h/p")));
        assertEquals("null", LogSafe.url((URI) null));
    }

    @Test
    void textThatIsNoValidUrlIsCutAllTheSame() {
        assertEquals("http://h:1/a b", LogSafe.url("http://user:pw@h:1/a b?api_key=x y"));
        assertEquals("redis://host:6379/0", LogSafe.url("redis://default:pw@host:6379/0?password=pw"));
        assertEquals("host:80/x", LogSafe.url("u:p@host:80/x?k=v"));
        assertEquals("http://h", LogSafe.url("http://a@b@h#k"));
        assertEquals("mailto:x", LogSafe.url("mailto:x?subject=s"));
    }

    @Test
    void urlsInsideFreeTextAreCut() {
        String message = "Connection refused: http://bob:pw@10.0.0.1:8080/mcp?api_key=secret-1, retried 'https://h/x?t=secret-2'";
        String safe = LogSafe.text(message); // the query runs to the next space: what follows it goes too
        assertEquals("Connection refused: http://10.0.0.1:8080/mcp retried 'https://h/x'", safe);
        assertFalse(safe.contains("secret"));
        assertEquals("no url here?", LogSafe.text("no url here?"));
        assertEquals("Illegal character in authority at index 7: http://h st:1/mcp",
                LogSafe.text("Illegal character in authority at index 7: http://u:pw@h st:1/mcp?api_key=k&x=y"));
    }
}
