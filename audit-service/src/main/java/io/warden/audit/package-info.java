/** Audit pipeline (not built yet): Kafka ingest, PostgreSQL store, history API, dashboard. */
package io.warden.audit;
