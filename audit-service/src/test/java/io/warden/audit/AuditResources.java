package io.warden.audit;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.warden.testsupport.kafka.KafkaResource;
import io.warden.testsupport.postgres.PostgresResource;

/**
 * The real backends every {@code @QuarkusTest} of this module runs against, declared once: an in-process Kafka and a
 * private PostgreSQL, both on free loopback ports. ({@code @QuarkusTestResource} applies to the whole module, so all
 * test classes share one application and these two servers.)
 */
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "datasource", value = "jdbc"))
public final class AuditResources {
    private AuditResources() {
    }
}
