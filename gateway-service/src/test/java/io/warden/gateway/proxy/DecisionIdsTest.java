package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DecisionIdsTest {

    @Test
    void idsAreVersion7WithTheirMillisecondFirst() {
        long ms = 1_785_000_000_123L;
        UUID id = DecisionIds.at(ms);
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(ms, id.getMostSignificantBits() >>> 16);
    }

    @Test
    void laterIdsSortAfterEarlierOnesAndNoneRepeat() {
        Set<String> seen = new HashSet<>();
        String earlier = DecisionIds.at(1_000_000L).toString();
        String later = DecisionIds.at(1_000_001L).toString();
        assertTrue(earlier.compareTo(later) < 0, "text order is time order");
        for (int i = 0; i < 100_000; i++) {
            assertTrue(seen.add(DecisionIds.next()));
        }
    }
}
