package io.warden.gateway.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.warden.api.GrantTokens;
import io.warden.snapshot.GatewaySnapshot;
import io.warden.snapshot.StandaloneConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file source around the shared parser (the parser's own tests live in snapshot-model). */
class StandaloneFileSourceTest {

    private static final String HASH = GrantTokens.hash("wdn_test");

    @TempDir
    Path dir;

    private final StandaloneConfigParser parser = new StandaloneConfigParser(Map.of("API_KEY", "s3cret")::get);

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void anInvalidEditKeepsThePreviousSnapshotAndAValidOneReplacesIt() throws IOException {
        Path config = write("warden.yaml", """
                servers: [{id: s1, url: "http://127.0.0.1:1/mcp"}]
                grants: [{id: g1, server: s1, token_hash: "%s", policy: open}]
                policies: {open: {version: "1", default: allow}}
                """.formatted(HASH));
        Vertx vertx = Vertx.vertx();
        try {
            AtomicReference<GatewaySnapshot> current = new AtomicReference<>();
            StandaloneFileSource source = new StandaloneFileSource(vertx, config, 60_000, parser);
            source.loadIfChanged(current::set);
            GatewaySnapshot first = current.get();
            assertEquals(1, first.servers().size());

            Files.writeString(config, "servers: [{id: s1, url: 42}]\n");
            touch(config, 1);
            source.loadIfChanged(current::set);
            assertEquals(first, current.get(), "an invalid file never replaces a valid configuration");

            Files.writeString(config, """
                    servers: [{id: s1, url: "http://127.0.0.1:1/mcp"}, {id: s2, url: "http://127.0.0.1:2/mcp"}]
                    """);
            touch(config, 2);
            source.loadIfChanged(current::set);
            assertEquals(2, current.get().servers().size());
            source.close();
        } finally {
            vertx.close();
        }
    }

    private static void touch(Path p, int seconds) throws IOException {
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(seconds)));
    }
}
