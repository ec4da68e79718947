package io.warden.policyservice.security;

import io.warden.api.GrantTokens;

/** API keys: {@value #PREFIX} + 32 random bytes, shown once, stored as {@code sha256:<hex>} like grant tokens. */
public final class ApiKeys {
    public static final String PREFIX = "wdk_";

    private ApiKeys() {
    }

    public static String mint() {
        return PREFIX + GrantTokens.randomSecret();
    }

    public static String hash(String key) {
        return GrantTokens.hash(key);
    }
}
