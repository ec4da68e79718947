package io.warden.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One {@code tools/call} to decide.
 *
 * @param subject the grant and server
 * @param toolName the tool being called
 * @param arguments the call's {@code arguments}; may be {@code null} or a missing node
 * @param tool what is known about the tool, or {@code null} (then it is classified by name)
 * @param now the time the conditions on {@code time.*} see; {@code null} means "now"
 */
public record CallContext(Subject subject, String toolName, JsonNode arguments, ToolInfo tool, Instant now) {
}
