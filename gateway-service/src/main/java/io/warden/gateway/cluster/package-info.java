/**
 * State that gateway pods share: routing a message to the pod that holds a client's stream, and the list of
 * sessions ended by {@code DELETE}.
 *
 * <ul>
 *   <li>{@link io.warden.gateway.cluster.MessageBus}: the port; deliver a message to whichever pod registered an
 *       address, and report whether one did.</li>
 *   <li>{@link io.warden.gateway.cluster.Revocations}: the port; refuse sessions ended before their expiry, checked in
 *       memory on every request.</li>
 *   <li>{@link io.warden.gateway.cluster.LocalMessageBus} and {@link io.warden.gateway.cluster.RevocationSet}: one pod,
 *       no I/O (standalone mode, and the in-memory half of the Redis implementations).</li>
 *   <li>{@link io.warden.gateway.cluster.RedisSubscriber}: the one pub/sub connection per pod, re-established by
 *       itself; {@link io.warden.gateway.cluster.RedisMessageBus} and
 *       {@link io.warden.gateway.cluster.RedisRevocations} build on it.</li>
 * </ul>
 *
 * <p>Design and failure behaviour: {@code docs/pods.md}.
 */
package io.warden.gateway.cluster;
