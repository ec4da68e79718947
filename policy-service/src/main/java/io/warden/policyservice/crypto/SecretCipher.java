package io.warden.policyservice.crypto;

import io.quarkus.runtime.Startup;
import io.warden.api.crypto.Keyring;
import io.warden.policyservice.config.PolicyServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The service's keyring, built from {@code warden.policy.crypto.*} at startup (a wrong key stops the service at
 * once rather than at the first secret).
 */
@Startup
@ApplicationScoped
public class SecretCipher {
    private final Keyring keyring;

    public SecretCipher(PolicyServiceConfig config) {
        this.keyring = Keyring.of(config.crypto().keys(), config.crypto().activeKeyVersion());
    }

    public String activeVersion() {
        return keyring.activeVersion();
    }

    /** Associated data binding an upstream header value to its server and (case-insensitive) header name. */
    public static String headerContext(String serverId, String headerName) {
        return Keyring.headerContext(serverId, headerName);
    }

    public String encrypt(String plaintext, String context) {
        return keyring.encrypt(plaintext, context);
    }

    public String decrypt(String sealed, String context) {
        return keyring.decrypt(sealed, context);
    }

    public String reencrypt(String sealed, String context) {
        return keyring.reencrypt(sealed, context);
    }
}
