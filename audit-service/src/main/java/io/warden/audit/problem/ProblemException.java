package io.warden.audit.problem;

/** Thrown by the API's steps to answer with this problem document. */
public final class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public static ProblemException badParameter(String parameter, String detail) {
        return new ProblemException(Problem.badParameter(parameter, detail));
    }

    public Problem problem() {
        return problem;
    }
}
