package io.warden.policyservice.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The HTTP/2 client's failures read as the JDK client's do; only an unexplained I/O error gets the http2 hint. */
class Http2UpstreamFailureTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void aConnectTimeoutSaysSoNotRefusedNorHttp2() {
        // Netty's connect timeout is a ConnectException as well: it must not read as "refused".
        String m = Http2UpstreamHttp.failure(new io.netty.channel.ConnectTimeoutException("connection timed out"), TIMEOUT)
                .getMessage();
        assertEquals("connecting timed out after 10 s", m);
    }

    @Test
    void aRefusedConnectionReadsAsTheJdkClientsDoes() {
        assertEquals(McpToolsClient.failure(new ConnectException("refused")).getMessage(),
                Http2UpstreamHttp.failure(new ConnectException("refused"), TIMEOUT).getMessage());
    }

    @Test
    void anotherIoErrorPointsAtTheHttp2Flag() {
        String m = Http2UpstreamHttp.failure(new IOException("preface"), TIMEOUT).getMessage();
        assertTrue(m.contains("clear the server's http2 flag"), m);
    }
}
