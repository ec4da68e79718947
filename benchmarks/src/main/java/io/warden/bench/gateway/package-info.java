/**
 * Gateway overhead load driver (issue 2): {@link io.warden.bench.gateway.GatewayOverhead} measures {@code tools/call}
 * round trips direct to an MCP upstream and through the packaged Warden gateway, in one run on one machine.
 * {@link io.warden.bench.gateway.EchoUpstream} is the minimal upstream it starts as a separate process.
 */
package io.warden.bench.gateway;
