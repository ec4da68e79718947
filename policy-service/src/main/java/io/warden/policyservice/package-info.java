/** Control plane (not built yet): servers, grants, policies, gRPC snapshots. */
package io.warden.policyservice;
