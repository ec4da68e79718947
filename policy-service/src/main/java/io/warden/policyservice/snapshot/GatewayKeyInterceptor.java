package io.warden.policyservice.snapshot;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.warden.api.GrantTokens;
import io.warden.policyservice.config.PolicyServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Every gRPC call must carry one of {@code warden.policy.distribution.gateway-keys} as
 * {@code authorization: Bearer <key>}; compared by hash in constant time. Anything else is UNAUTHENTICATED.
 */
@GlobalInterceptor
@ApplicationScoped
public class GatewayKeyInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "Bearer ";
    private static final int MIN_LENGTH = 24;

    private final List<String> keyHashes;

    public GatewayKeyInterceptor(PolicyServiceConfig config) {
        this.keyHashes = config.distribution().gatewayKeys().orElse(List.of()).stream()
                .map(String::strip).filter(k -> !k.isEmpty()).map(key -> {
                    if (key.length() < MIN_LENGTH) {
                        throw new IllegalStateException("each of warden.policy.distribution.gateway-keys must be at"
                                + " least " + MIN_LENGTH + " characters");
                    }
                    return GrantTokens.hash(key);
                }).toList();
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        String header = headers.get(AUTHORIZATION);
        if (header == null || !header.startsWith(BEARER) || !known(GrantTokens.hash(header.substring(BEARER.length())))) {
            call.close(Status.UNAUTHENTICATED.withDescription(keyHashes.isEmpty()
                    ? "no gateway keys are configured (warden.policy.distribution.gateway-keys)"
                    : "send a gateway key as `authorization: Bearer <key>`"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    private boolean known(String hash) {
        boolean found = false;
        for (String expected : keyHashes) {
            found |= GrantTokens.sameHash(hash, expected); // no early exit: time does not reveal which key matched
        }
        return found;
    }
}
