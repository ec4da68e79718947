package io.warden.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BufferBudgetTest {

    final BufferBudget budget = new BufferBudget(100);

    @Test
    void leasesShareTheBoundAndAFailedGrowKeepsWhatWasHeld() {
        BufferBudget.Lease a = budget.lease();
        BufferBudget.Lease b = budget.lease();
        assertTrue(a.grow(60));
        assertFalse(b.grow(41), "60 + 41 is beyond 100");
        assertEquals(0, b.held());
        assertTrue(b.grow(40));
        assertEquals(100, budget.used());
        assertFalse(budget.hasRoom());
        assertFalse(a.grow(1));
        assertEquals(60, a.held());
        assertTrue(a.resize(10), "shrinking always works");
        assertEquals(50, budget.used());
        assertTrue(budget.hasRoom());
    }

    @Test
    void closingGivesEverythingBackOnceAndAClosedLeaseHoldsNothing() {
        BufferBudget.Lease a = budget.lease();
        a.grow(70);
        a.close();
        a.close();
        assertEquals(0, budget.used());
        assertFalse(a.grow(1));
        assertEquals(0, budget.used());
    }
}
