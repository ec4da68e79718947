package io.warden.audit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Every audit-service setting, documented in docs/configuration.md ("audit-service"). */
@ConfigMapping(prefix = "warden.audit")
public interface AuditConfig {

    Ingest ingest();

    Store store();

    Api api();

    /** API keys accepted until the control plane serves them; empty: every API call is refused with 401. */
    @WithName("api-keys")
    List<ApiKey> apiKeys();

    /** The Kafka consumer that fills the store. */
    interface Ingest {
        /** Whether this pod consumes the topic at all (a pod may serve the API only). */
        @WithDefault("true")
        boolean enabled();

        /** Kafka bootstrap servers; defaults to the usual {@code kafka.bootstrap.servers}. */
        @WithDefault("${kafka.bootstrap.servers:localhost:9092}")
        String bootstrapServers();

        /** The topic gateways publish decision events to. */
        @WithDefault("warden.decisions")
        String topic();

        /** Where records that are not a decision event go, with the reason in headers. */
        @WithDefault("warden.decisions.dlq")
        String deadLetterTopic();

        /** Consumer group; every audit-service pod of one installation shares it. */
        @WithDefault("warden-audit")
        String groupId();

        /** Most records inserted in one database transaction. */
        @WithDefault("500")
        int maxBatch();

        /** Longest wait for records in one poll. */
        @WithDefault("200ms")
        Duration pollTimeout();

        /** Wait between attempts while the database (or the dead-letter topic) is unavailable; doubles up to the max. */
        @WithDefault("500ms")
        Duration retryBackoff();

        /** Longest wait between two attempts. */
        @WithDefault("10s")
        Duration retryBackoffMax();

        /** Extra Kafka client settings (security.protocol, sasl.*, ...), applied to the consumer and the producer. */
        Map<String, String> kafka();
    }

    /** Partitions and retention. */
    interface Store {
        /** Decisions older than this are dropped, one daily partition at a time. */
        @WithDefault("30d")
        Duration retention();

        /** Daily partitions created ahead of today, so the first insert of a day never waits on DDL. */
        @WithDefault("3")
        int partitionsAhead();

        /** How often partitions are created ahead and expired ones dropped. */
        @WithDefault("1h")
        Duration maintenanceInterval();
    }

    /** The HTTP API. */
    interface Api {
        /** Page size when the request names none. */
        @WithDefault("50")
        int defaultLimit();

        /** Largest page (and largest top-N of an aggregate) a request may ask for. */
        @WithDefault("1000")
        int maxLimit();

        /** Most time buckets one aggregate may return; a finer bucket over a longer range is refused. */
        @WithDefault("10000")
        int maxBuckets();

        /** Longest a query may run before it is cancelled (exports excluded). */
        @WithDefault("30s")
        Duration queryTimeout();
    }

    /** One accepted API key. */
    interface ApiKey {
        /** A label for logs and audits; never the key itself. */
        String name();

        /** {@code sha256:} and the lowercase hex SHA-256 of the key's UTF-8 bytes; the key itself is never configured. */
        String hash();

        /** {@code viewer}, {@code policy_manager} or {@code admin}. */
        String role();
    }
}
