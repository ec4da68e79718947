package io.warden.policyservice.web;

/** One problem in a request, located by a JSON pointer (RFC 6901) into the request body ({@code ""}: all of it). */
public record FieldError(String pointer, String message) {
}
