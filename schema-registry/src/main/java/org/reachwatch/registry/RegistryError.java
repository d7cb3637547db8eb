package org.reachwatch.registry;

/** A request the registry refuses, with Confluent's HTTP status and error code. */
final class RegistryError extends RuntimeException {
    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int SUBJECT_SOFT_DELETED = 40404;
    static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    static final int VERSION_SOFT_DELETED = 40406;
    static final int VERSION_NOT_SOFT_DELETED = 40407;
    static final int SUBJECT_CONFIG_NOT_FOUND = 40408;
    static final int INCOMPATIBLE = 409;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    static final int STORE_ERROR = 50001;
    static final int OPERATION_TIMEOUT = 50002;

    final int status;
    final int errorCode;

    RegistryError(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    RegistryError(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    static RegistryError versionNotFound(String subject, String version) {
        return new RegistryError(404, VERSION_NOT_FOUND, "Version " + version + " not found for subject '" + subject + "'.");
    }

    static RegistryError schemaNotFound(String detail) {
        return new RegistryError(404, SCHEMA_NOT_FOUND, detail);
    }

    static RegistryError invalidSchema(String detail) {
        return new RegistryError(422, INVALID_SCHEMA, "Invalid schema: " + detail);
    }
}
