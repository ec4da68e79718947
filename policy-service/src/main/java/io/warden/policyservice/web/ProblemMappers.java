package io.warden.policyservice.web;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.warden.policyservice.store.StoreException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves the API as a problem document. A client's mistake is a 4xx naming what is wrong; only a
 * failure of ours is a 5xx, and its log line carries the exception type, never request content.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** Plain mapper for the problem body: the API's naming strategy must not rename RFC 9457 members. */
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder response = build(e.problem());
        if (e.problem().status() == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"warden-policy\"");
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonParseException e) {
        return respond(ProblemException.malformed("the body is not valid JSON: " + e.getOriginalMessage()
                + location(e), List.of(new FieldError("", "not valid JSON"))));
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        String pointer = pointer(e);
        return respond(ProblemException.malformed("unknown field '" + e.getPropertyName() + "'",
                List.of(new FieldError(pointer, "unknown field"))));
    }

    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        String pointer = pointer(e);
        String expected = e.getTargetType() == null ? "another type" : describe(e.getTargetType());
        String message = e instanceof InvalidNullException ? "must not be null"
                : e instanceof InvalidFormatException ? "not a valid " + expected
                : pointer.isEmpty() && e.getTargetType() != null && e.getTargetType().isRecord()
                        ? "expected a JSON object" : "expected " + expected;
        if (e.getMessage() != null && e.getMessage().startsWith("No content to map")) {
            message = "a JSON body is required";
        }
        if (e.getMessage() != null && e.getMessage().contains("Trailing token")) {
            message = "unexpected content after the JSON value";
        }
        return respond(ProblemException.malformed(message + (pointer.isEmpty() ? "" : " at " + pointer),
                List.of(new FieldError(pointer, message))));
    }

    @ServerExceptionMapper
    public Response otherJson(JsonProcessingException e) {
        String pointer = e instanceof JsonMappingException m ? pointer(m) : "";
        String message = e instanceof DatabindException ? "cannot be read: " + e.getOriginalMessage()
                : "not valid JSON: " + e.getOriginalMessage();
        return respond(ProblemException.malformed(message, List.of(new FieldError(pointer, message))));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return jackson(json);
        }
        if (status == 400) {
            // the body reader's own refusals (e.g. a body cut short) carry no Jackson cause
            return respond(ProblemException.malformed("the body could not be read as the expected JSON",
                    List.of(new FieldError("", "not valid JSON for this request"))));
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        return respond(new ProblemException(status, title.toLowerCase().replace(' ', '-'), title,
                status == 404 ? "no such resource" : e.getMessage(), List.of()));
    }

    @ServerExceptionMapper
    public Response store(StoreException e) {
        String state = e.sqlState() == null ? "" : e.sqlState();
        if (state.equals("23505")) {
            return respond(ProblemException.conflict("an entry with the same identity already exists"));
        }
        if (state.equals("23503")) {
            return respond(ProblemException.conflict("the change would break a reference between entries"));
        }
        if (state.equals("23514") || state.equals("22001")) {
            return respond(ProblemException.invalid(List.of(new FieldError("", "a value is out of range"))));
        }
        LOG.errorf("database failure, SQLSTATE %s (%s)", state, e.getCause().getClass().getSimpleName());
        return build(new Problem("urn:warden:problem:unavailable", "Store unavailable", 503,
                "the database could not complete the request; retry later", List.of())).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.errorf("unexpected %s at %s", e.getClass().getName(),
                e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        return build(new Problem("urn:warden:problem:internal", "Internal error", 500,
                "the request failed on the server", List.of())).build();
    }

    private Response jackson(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            return unknownField(u);
        }
        if (e instanceof MismatchedInputException m) {
            return wrongType(m);
        }
        if (e instanceof JsonParseException p) {
            return malformedJson(p);
        }
        return otherJson(e);
    }

    private static Response respond(ProblemException e) {
        return build(e.problem()).build();
    }

    static Response.ResponseBuilder build(Problem problem) {
        try {
            return Response.status(problem.status()).type(Problem.MEDIA_TYPE)
                    .entity(PLAIN.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON pointer to where Jackson failed, from its path of field names and indexes. */
    static String pointer(JsonMappingException e) {
        StringBuilder pointer = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            pointer.append('/');
            pointer.append(ref.getFieldName() != null ? Checks.escape(ref.getFieldName())
                    : String.valueOf(ref.getIndex()));
        }
        return pointer.toString();
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "string";
        }
        if (Number.class.isAssignableFrom(type) || type == int.class || type == long.class) {
            return "number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean";
        }
        if (java.time.temporal.Temporal.class.isAssignableFrom(type)) {
            return "timestamp (ISO-8601, e.g. 2027-01-31T12:00:00Z)";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "object";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "array";
        }
        return type.getSimpleName();
    }
}
