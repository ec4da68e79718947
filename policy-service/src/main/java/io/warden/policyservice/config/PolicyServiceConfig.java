package io.warden.policyservice.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** Every policy-service setting (documented in docs/configuration.md, "policy-service"). */
@ConfigMapping(prefix = "warden.policy")
public interface PolicyServiceConfig {

    /**
     * The first admin API key, accepted as {@code Authorization: Bearer <key>} with the admin role. Mount it from a
     * Kubernetes secret in production; at least 24 characters. Without it only keys stored as members work.
     */
    Optional<String> bootstrapAdminKey();

    /** Encryption of upstream header values at rest. */
    Crypto crypto();

    /** Limits of the admin API. */
    Api api();

    /** The snapshot stream to gateways (gRPC). */
    Distribution distribution();

    /** The tool inventory: fetching each server's tools/list. */
    Inventory inventory();

    /** Human approval: timeouts, expiry sweeping and the webhook that announces new approvals. */
    Approvals approvals();

    interface Approvals {
        /** Used when a gateway asks without a timeout (its rule gave none). */
        @WithDefault("5M")
        java.time.Duration defaultTimeout();

        /** The longest an approval may wait; a longer timeout from a gateway is cut to this. */
        @WithDefault("24H")
        java.time.Duration maxTimeout();

        /** How often overdue approvals are marked expired (Get, Consume and the API treat them as expired anyway). */
        @WithDefault("5S")
        java.time.Duration sweepInterval();

        /** Largest arguments JSON kept (sealed) for approvers to read; a larger one is not stored, only its keys. */
        @WithDefault("65536")
        int maxArgumentsBytes();

        /**
         * The console's address, for links in webhook messages ({@code <base>/approvals/<id>}). Without it the
         * message names the admin API call that approves.
         */
        Optional<String> consoleBaseUrl();

        /** The webhook announcing each new pending approval. */
        Webhook webhook();
    }

    interface Webhook {
        /** Where to POST (Slack-compatible JSON: {@code text} and {@code blocks}); no webhook when unset. */
        Optional<java.net.URI> url();

        /**
         * HMAC-SHA256 key signing every delivery ({@code X-Warden-Signature}); at least 16 characters, required with
         * {@link #url()}. A secret: mount it from a Kubernetes Secret.
         */
        Optional<String> secret();

        /** Attempts per message, the first included; after the last it is given up (logged, kept in the outbox). */
        @WithDefault("8")
        int maxAttempts();

        /** Wait before the second attempt; doubles with each failure, with random jitter, up to max-backoff. */
        @WithDefault("1S")
        java.time.Duration initialBackoff();

        @WithDefault("5M")
        java.time.Duration maxBackoff();

        /** One POST's limit, connecting included. */
        @WithDefault("10S")
        java.time.Duration timeout();

        /** How often the outbox is checked for due deliveries (messages of other replicas, after a restart). */
        @WithDefault("10S")
        java.time.Duration pollInterval();
    }

    interface Inventory {
        /**
         * How often every server's tools are fetched again (besides on registration and on demand); {@code 0S}
         * turns the periodic fetch off.
         */
        @WithDefault("15M")
        java.time.Duration refreshInterval();

        /** How long one request to an upstream may take (connecting included) before the fetch fails. */
        @WithDefault("10S")
        java.time.Duration upstreamTimeout();

        /** Most tools/list pages followed in one fetch; an upstream with more fails the fetch. */
        @WithDefault("100")
        int maxPages();
    }

    interface Distribution {
        /**
         * Keys gateways present on the snapshot stream ({@code authorization: Bearer <key>} metadata), comma-separated,
         * each at least 24 characters; several allow rotation. Without any, every stream is refused: a snapshot holds
         * token hashes, real upstream URLs and sealed secrets.
         */
        Optional<java.util.List<String>> gatewayKeys();

        /** How much of the change log is kept, for gateways that reconnect and resume after the revision they run. */
        ChangeLog changeLog();
    }

    interface ChangeLog {
        /**
         * Changes kept in any case: the last this many revisions. A gateway further behind gets a full snapshot when
         * it reconnects (always correct, only larger).
         */
        @WithDefault("10000")
        long keepRevisions();

        /** Changes younger than this are kept too, however many there are. */
        @WithDefault("24H")
        java.time.Duration keepFor();

        /** How often each replica prunes what is older than both; {@code 0S} never prunes. */
        @WithDefault("10M")
        java.time.Duration pruneInterval();
    }

    interface Crypto {
        /** The key version that encrypts every new or re-encrypted secret; must be one of {@link #keys()}. */
        @WithDefault("v1")
        String activeKeyVersion();

        /**
         * AES-256 keys by version ({@code warden.policy.crypto.keys.v1=<base64 of 32 bytes>}). Keep retired versions
         * until the re-encrypt operation has moved every row to the active one.
         */
        Map<String, String> keys();
    }

    interface Api {
        /** Largest request body in bytes; larger → 413 problem document. */
        @WithDefault("1048576")
        int maxBodyBytes();

        /** Most admin audit entries one request returns ({@code limit} above this → 400). */
        @WithDefault("1000")
        int maxAuditPage();
    }
}
