/**
 * Control plane: servers, grants, policies and API-key members in PostgreSQL behind a role-checked admin REST API.
 * Packages by feature: {@code servers}, {@code grants}, {@code policies}, {@code members}, {@code audit} (the admin
 * trail), {@code security} (API keys, roles), {@code crypto} (secrets at rest), {@code config}; {@code store} (one
 * transaction per call) and {@code web} (problem documents) are the shared edges.
 */
package io.warden.policyservice;
