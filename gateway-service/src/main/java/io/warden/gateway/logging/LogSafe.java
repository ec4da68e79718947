package io.warden.gateway.logging;

import java.net.URI;

/**
 * The gateway's name for {@link io.warden.snapshot.LogSafe}, which moved to snapshot-model so that the standalone
 * parser and policy-service redact URLs the same way. Kept so the many log lines that use it need no edit.
 */
public final class LogSafe {
    private LogSafe() {}

    public static String url(URI url) {
        return io.warden.snapshot.LogSafe.url(url);
    }

    public static String url(String url) {
        return io.warden.snapshot.LogSafe.url(url);
    }

    public static String text(String text) {
        return io.warden.snapshot.LogSafe.text(text);
    }
}
