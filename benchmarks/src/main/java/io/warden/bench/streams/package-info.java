/**
 * Streams per pod: how many 2025-era clients holding their standalone GET streams one gateway process holds, what each
 * costs in memory, and what they do to call latency, against the same upstream reached directly. See
 * docs/benchmarks.md, "Streams per pod".
 */
package io.warden.bench.streams;
