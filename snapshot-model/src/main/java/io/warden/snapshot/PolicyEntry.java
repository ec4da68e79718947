package io.warden.snapshot;

import io.warden.policy.CompiledPolicy;

/** A compiled policy with its id and a content version (hash of the source), recorded in every decision. */
public record PolicyEntry(String id, String version, CompiledPolicy compiled) {}
