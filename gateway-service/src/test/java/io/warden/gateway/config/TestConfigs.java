package io.warden.gateway.config;

import java.time.Duration;

/**
 * Config groups for tests that build gateway parts by hand, without Quarkus: test-sized defaults that each test
 * overrides per field, e.g. {@code TestConfigs.limits().maxBufferedBytes(32 * 1024).build()}.
 */
public final class TestConfigs {

    private TestConfigs() {
    }

    /**
     * {@link GatewayConfig.Limits} sized for tests: small pools and bodies, timeouts of seconds, and budgets (streams,
     * calls, sessions, buffered bytes) no test reaches unless it lowers them. The production defaults are the ones on
     * {@link GatewayConfig.Limits}.
     */
    public static LimitsBuilder limits() {
        return new LimitsBuilder();
    }

    /** The values a test's {@link GatewayConfig.Limits} answers with. */
    private record Limits(int maxBodyBytes, int maxUpstreamBodyBytes, Duration upstreamConnectTimeout,
                          Duration upstreamResponseTimeout, Duration sseIdleTimeout, int maxConcurrentStreams,
                          int maxStreamsPerGrant, int maxCallsInFlight, int maxSessionsPerGrantPerMinute,
                          int maxRevocationsPerGrant, long maxBufferedBytes, Duration upstreamKeepAliveTimeout,
                          Duration eraProbeTtl, int upstreamPoolSize) implements GatewayConfig.Limits {
    }

    public static final class LimitsBuilder {
        private int maxBodyBytes = 64 * 1024;
        private int maxUpstreamBodyBytes = 1 << 20;
        private Duration upstreamConnectTimeout = Duration.ofSeconds(2);
        private Duration upstreamResponseTimeout = Duration.ofSeconds(10);
        private Duration sseIdleTimeout = Duration.ofMinutes(1);
        private int maxConcurrentStreams = 100;
        private int maxStreamsPerGrant = 100;
        private int maxCallsInFlight = 100;
        private int maxSessionsPerGrantPerMinute = 1000;
        private int maxRevocationsPerGrant = 1000;
        private long maxBufferedBytes = 1 << 24;
        private Duration upstreamKeepAliveTimeout = Duration.ofSeconds(4);
        private Duration eraProbeTtl = Duration.ofMinutes(5);
        private int upstreamPoolSize = 4;

        private LimitsBuilder() {
        }

        public LimitsBuilder maxBodyBytes(int value) {
            maxBodyBytes = value;
            return this;
        }

        public LimitsBuilder maxUpstreamBodyBytes(int value) {
            maxUpstreamBodyBytes = value;
            return this;
        }

        public LimitsBuilder upstreamConnectTimeout(Duration value) {
            upstreamConnectTimeout = value;
            return this;
        }

        public LimitsBuilder upstreamResponseTimeout(Duration value) {
            upstreamResponseTimeout = value;
            return this;
        }

        public LimitsBuilder sseIdleTimeout(Duration value) {
            sseIdleTimeout = value;
            return this;
        }

        public LimitsBuilder maxConcurrentStreams(int value) {
            maxConcurrentStreams = value;
            return this;
        }

        public LimitsBuilder maxStreamsPerGrant(int value) {
            maxStreamsPerGrant = value;
            return this;
        }

        public LimitsBuilder maxCallsInFlight(int value) {
            maxCallsInFlight = value;
            return this;
        }

        public LimitsBuilder maxSessionsPerGrantPerMinute(int value) {
            maxSessionsPerGrantPerMinute = value;
            return this;
        }

        public LimitsBuilder maxRevocationsPerGrant(int value) {
            maxRevocationsPerGrant = value;
            return this;
        }

        public LimitsBuilder maxBufferedBytes(long value) {
            maxBufferedBytes = value;
            return this;
        }

        public LimitsBuilder upstreamKeepAliveTimeout(Duration value) {
            upstreamKeepAliveTimeout = value;
            return this;
        }

        public LimitsBuilder eraProbeTtl(Duration value) {
            eraProbeTtl = value;
            return this;
        }

        public LimitsBuilder upstreamPoolSize(int value) {
            upstreamPoolSize = value;
            return this;
        }

        public GatewayConfig.Limits build() {
            return new Limits(maxBodyBytes, maxUpstreamBodyBytes, upstreamConnectTimeout, upstreamResponseTimeout,
                    sseIdleTimeout, maxConcurrentStreams, maxStreamsPerGrant, maxCallsInFlight,
                    maxSessionsPerGrantPerMinute, maxRevocationsPerGrant, maxBufferedBytes, upstreamKeepAliveTimeout,
                    eraProbeTtl, upstreamPoolSize);
        }
    }
}
