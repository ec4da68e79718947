package io.warden.audit.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.audit.config.AuditConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfiguredApiKeysTest {

    private record Key(String name, String hash, String role) implements AuditConfig.ApiKey {
    }

    private static String sha256(String text) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aKeyIsFoundByItsHashWithItsRole() throws Exception {
        ConfiguredApiKeys keys = new ConfiguredApiKeys(List.of(
                new Key("dash", sha256("k1"), "viewer"),
                new Key("ops", sha256("k2").toUpperCase().replace("SHA256:", "sha256:"), "policy_manager"),
                new Key("root", sha256("k3"), "admin")));
        assertEquals(Optional.of(new Caller("dash", Role.VIEWER)), keys.authenticate("k1"));
        assertEquals(Optional.of(new Caller("ops", Role.POLICY_MANAGER)), keys.authenticate("k2"));
        assertEquals(Optional.of(new Caller("root", Role.ADMIN)), keys.authenticate("k3"));
        assertEquals(Optional.empty(), keys.authenticate("k4"));
        assertEquals(Optional.empty(), keys.authenticate(""));
        assertEquals(Optional.empty(), keys.authenticate(sha256("k1")), "the hash is not the key");
        assertEquals(sha256("k1"), ConfiguredApiKeys.hashOf("k1"));
    }

    @Test
    void noKeysConfiguredMeansNoAccess() {
        assertEquals(Optional.empty(), new ConfiguredApiKeys(List.of()).authenticate("anything"));
    }

    @Test
    void badEntriesStopTheStartNamingTheEntry() throws Exception {
        IllegalArgumentException hash = assertThrows(IllegalArgumentException.class,
                () -> new ConfiguredApiKeys(List.of(new Key("a", sha256("x"), "viewer"), new Key("b", "k1", "viewer"))));
        assertTrue(hash.getMessage().startsWith("warden.audit.api-keys[1] (b): hash"), hash.getMessage());
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
                () -> new ConfiguredApiKeys(List.of(new Key("a", sha256("x"), "superuser"))));
        assertTrue(role.getMessage().contains("role must be viewer, policy_manager or admin"), role.getMessage());
    }
}
