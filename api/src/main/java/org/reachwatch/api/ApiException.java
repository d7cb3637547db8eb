package org.reachwatch.api;

/**
 * A request the API answers with an error: its HTTP status and a one-line message, sent as
 * {@code {"error": message, "status": code}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }
}
