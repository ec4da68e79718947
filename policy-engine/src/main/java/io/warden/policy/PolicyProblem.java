package io.warden.policy;

/**
 * One thing wrong with a policy document.
 *
 * @param pointer JSON pointer (RFC 6901) to the offending value; {@code ""} is the whole document
 * @param message what is wrong and what was expected, in plain words
 */
public record PolicyProblem(String pointer, String message) {
    @Override
    public String toString() {
        return pointer + ": " + message;
    }
}
