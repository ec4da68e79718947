package io.warden.audit.query;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.warden.api.DecisionEvent;
import java.io.IOException;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A stored event's JSON written into a response as it is, without parsing it again: properties this build does not
 * know are served too.
 */
@Schema(name = "DecisionEvent", implementation = DecisionEvent.class,
        description = "A stored decision event (warden-api decision-event.schema.json), with any properties added later")
public record RawJson(String json) implements JsonSerializable {

    @Override
    public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeRawValue(json);
    }

    @Override
    public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
            throws IOException {
        serialize(gen, serializers);
    }
}
