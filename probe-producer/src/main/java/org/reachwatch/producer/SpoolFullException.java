package org.reachwatch.producer;

/**
 * The disk spool has reached its byte bound: the measurement was <em>not</em> accepted. The caller
 * keeps it (or retries later); nothing was dropped silently.
 */
public final class SpoolFullException extends RuntimeException {
    public SpoolFullException(String message) {
        super(message);
    }
}
