package io.warden.policyservice.policies;

import static io.warden.policyservice.testing.Api.admin;
import static io.warden.policyservice.testing.Api.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.warden.testsupport.postgres.PostgresResource;
import io.warden.testsupport.postgres.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Versions written at the same time get distinct numbers, and each takes exactly one store revision. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
class ConcurrentVersionsTest {
    PostgresServer postgres;

    @Test
    void concurrentNewVersionsAreSerialised() throws Exception {
        String name = unique("conc");
        admin().body("{\"version\":\"1\",\"default\":\"deny\"}").post("/api/policies/" + name).then().statusCode(201);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String doc = "{\"version\":\"1\",\"default\":\"deny\",\"description\":\"v" + i + "\"}";
                results.add(pool.submit(() -> admin().body(doc).post("/api/policies/" + name + "/versions")
                        .then().statusCode(201).extract().<Integer>path("version")));
            }
            List<Integer> versions = new ArrayList<>();
            for (Future<Integer> f : results) {
                versions.add(f.get());
            }
            versions.sort(null);
            assertEquals(IntStream.rangeClosed(2, 17).boxed().toList(), versions);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("17", postgres.psql("warden", "SELECT current_version FROM policies WHERE name = '" + name + "'"));
        assertEquals("17", postgres.psql("warden", "SELECT count(DISTINCT revision) FROM changes"
                + " WHERE entity_type = 'policy' AND entity_id = '" + name + "'"));
        // the change with the highest revision carries the current version
        assertEquals("17", postgres.psql("warden", "SELECT (entry::jsonb ->> 'version') FROM changes"
                + " WHERE entity_id = '" + name + "' ORDER BY revision DESC LIMIT 1"));
    }
}
