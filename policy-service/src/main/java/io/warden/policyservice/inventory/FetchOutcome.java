package io.warden.policyservice.inventory;

import java.time.Instant;

/** The last fetch of a server's tools: when, whether it worked, in which era, and why not. */
record FetchOutcome(String serverId, Instant at, boolean ok, String era, String error) {}
