package io.warden.audit.security;

import java.util.Optional;

/**
 * Resolves a presented API key to its caller. Today {@link ConfiguredApiKeys} reads the keys' hashes from
 * configuration; a later slice asks policy-service, which owns the keys, through this same interface.
 */
public interface ApiKeyStore {

    /** The caller holding this key, or empty for an unknown key. Must not block an event loop for long. */
    Optional<Caller> authenticate(String presentedKey);
}
