package io.warden.policyservice.web;

import java.util.List;

/** Thrown by services for a client's mistake; mapped to a problem document, and rolls the transaction back. */
public class ProblemException extends RuntimeException {
    private final transient Problem problem;

    public ProblemException(int status, String slug, String title, String detail, List<FieldError> errors) {
        super(title + ": " + detail, null, false, false);
        this.problem = new Problem("urn:warden:problem:" + slug, title, status, detail, errors);
    }

    public Problem problem() {
        return problem;
    }

    public static ProblemException malformed(String detail, List<FieldError> errors) {
        return new ProblemException(400, "malformed-request", "Malformed request", detail, errors);
    }

    public static ProblemException badParameter(String name, String message) {
        return new ProblemException(400, "bad-parameter", "Bad query parameter",
                "query parameter '" + name + "': " + message, List.of());
    }

    public static ProblemException invalid(List<FieldError> errors) {
        return new ProblemException(422, "validation", "Invalid request",
                errors.size() == 1 ? errors.get(0).message() : errors.size() + " problems, see errors", errors);
    }

    public static ProblemException policyInvalid(List<FieldError> errors) {
        return new ProblemException(422, "policy-invalid", "Policy does not compile",
                errors.size() + (errors.size() == 1 ? " problem" : " problems") + " in the policy document", errors);
    }

    public static ProblemException notFound(String entity, String id) {
        return new ProblemException(404, "not-found", "Not found", "no " + entity + " '" + id + "'", List.of());
    }

    public static ProblemException conflict(String detail) {
        return new ProblemException(409, "conflict", "Conflict", detail, List.of());
    }

    public static ProblemException duplicate(String entity, String id) {
        return new ProblemException(409, "duplicate", "Already exists",
                "a " + entity + " '" + id + "' already exists", List.of());
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "unauthorized", "Unauthorized", detail, List.of());
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "forbidden", "Forbidden", detail, List.of());
    }

    public static ProblemException tooLarge(long max) {
        return new ProblemException(413, "too-large", "Request body too large",
                "the body is larger than " + max + " bytes", List.of());
    }
}
