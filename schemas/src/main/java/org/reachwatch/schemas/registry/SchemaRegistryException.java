package org.reachwatch.schemas.registry;

/**
 * A Schema Registry call failed. {@link #errorCode()} is Confluent's code (40401 subject not found,
 * 40402 version not found, 40403 schema not found, 409 incompatible, 42201 invalid schema,
 * 50001-50003 server errors), 401/403 when it refused the credentials, or -1 when the registry
 * could not be reached at all.
 *
 * <p>This class itself means the registry <em>answered</em> and the answer is final. The subclass
 * {@link SchemaRegistryUnavailableException} means it did not (unreachable, timeout, 5xx): retry.
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int UNREACHABLE = -1;
    public static final int UNAUTHORIZED = 401;
    public static final int FORBIDDEN = 403;
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;

    private final int errorCode;

    public SchemaRegistryException(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }
}
