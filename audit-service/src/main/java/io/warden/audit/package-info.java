/**
 * Audit pipeline: decision events from Kafka ({@code ingest}) into PostgreSQL ({@code store}), served over HTTP
 * ({@code query}) to API keys ({@code security}); settings in {@code config}, error documents in {@code problem}.
 */
package io.warden.audit;
