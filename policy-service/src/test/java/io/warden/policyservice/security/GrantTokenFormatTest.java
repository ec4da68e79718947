package io.warden.policyservice.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.warden.api.GrantTokens;
import org.junit.jupiter.api.Test;

/** The shared token format, pinned: a change here would lock every gateway out of the tokens minted here. */
class GrantTokenFormatTest {
    @Test
    void hashIsSha256HexWithItsPrefix() {
        assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", GrantTokens.hash("abc"));
    }

    @Test
    void tokensAndKeysHaveTheirPrefixesAndAreNeverEqual() {
        String token = GrantTokens.mint();
        assertTrue(token.matches("wdn_[A-Za-z0-9_-]{43}"), token.length() + " chars");
        assertTrue(ApiKeys.mint().matches("wdk_[A-Za-z0-9_-]{43}"));
        assertFalse(GrantTokens.mint().equals(token));
        assertTrue(GrantTokens.sameHash(GrantTokens.hash(token), GrantTokens.hash(token)));
        assertFalse(GrantTokens.sameHash(GrantTokens.hash(token), null));
    }
}
