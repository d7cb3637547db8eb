package org.reachwatch.schemas.registry;

/**
 * The registry gave no answer about the thing asked for: it could not be reached, the request
 * timed out, or it answered with a server-side error (5xx, 408, 429), and that outlived the
 * client's retries. Transient by nature: nothing is known about the schema, so a record that
 * needed it was <em>not</em> judged and must not be treated as bad data; asking again later may
 * succeed. {@link #errorCode()} is {@link #UNREACHABLE} for network failures and timeouts,
 * otherwise Confluent's error code (or the HTTP status when the body carried none).
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {
    public SchemaRegistryUnavailableException(int errorCode, String message) {
        super(errorCode, message);
    }

    public SchemaRegistryUnavailableException(int errorCode, String message, Throwable cause) {
        super(errorCode, message, cause);
    }
}
