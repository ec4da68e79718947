package io.warden.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Health for probes, and the ingest's Prometheus meters under their documented names. */
@QuarkusTest
class HealthAndMetricsTest {

    @Test
    void reportsHealthUp() {
        given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'warden-audit-ingest' }.status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exposesTheIngestMetrics() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("warden_audit_ingested_total"))
                .body(containsString("warden_audit_duplicates_total"))
                .body(containsString("warden_audit_dead_letters_total{cause=\"not_json\"}"))
                .body(containsString("warden_audit_dead_letters_total{cause=\"unstorable\"}"))
                .body(containsString("warden_audit_consumer_lag"))
                .body(containsString("warden_audit_ingest_paused"))
                .body(containsString("warden_audit_batch_size_count"))
                .body(containsString("warden_audit_insert_seconds_count"));
    }
}
