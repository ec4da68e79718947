package io.warden.audit.security;

import io.warden.audit.config.AuditConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * API keys from {@code warden.audit.api-keys[i].name/hash/role}: only each key's {@code sha256:<hex>} is configured. A
 * presented key is hashed and compared with every configured hash in constant time. Invalid entries stop the start-up
 * with a message naming the entry.
 */
@ApplicationScoped
@Startup // a bad entry stops the start, not the first request
public class ConfiguredApiKeys implements ApiKeyStore {

    private static final String PREFIX = "sha256:";

    private record Entry(byte[] hash, Caller caller) {
    }

    private final List<Entry> entries;

    @Inject
    public ConfiguredApiKeys(AuditConfig config) {
        this(config.apiKeys());
    }

    ConfiguredApiKeys(List<AuditConfig.ApiKey> keys) {
        List<Entry> parsed = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            AuditConfig.ApiKey key = keys.get(i);
            String where = "warden.audit.api-keys[" + i + "] (" + key.name() + ")";
            String hash = key.hash().strip().toLowerCase(Locale.ROOT);
            if (!hash.matches("sha256:[0-9a-f]{64}")) {
                throw new IllegalArgumentException(where + ": hash must be sha256: followed by 64 hex digits");
            }
            Role role = Role.fromWire(key.role()).orElseThrow(() -> new IllegalArgumentException(
                    where + ": role must be viewer, policy_manager or admin, not " + key.role()));
            parsed.add(new Entry(HexFormat.of().parseHex(hash.substring(PREFIX.length())), new Caller(key.name(), role)));
        }
        this.entries = List.copyOf(parsed);
    }

    @Override
    public Optional<Caller> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = sha256(presentedKey);
        Caller found = null;
        for (Entry entry : entries) { // no early exit: the time taken does not depend on which entry matched
            if (MessageDigest.isEqual(entry.hash(), presented)) {
                found = entry.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    /** {@code sha256:<hex>} of a key, the form the configuration takes. */
    public static String hashOf(String key) {
        return PREFIX + HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
