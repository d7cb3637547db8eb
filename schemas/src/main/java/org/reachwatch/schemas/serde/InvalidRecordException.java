package org.reachwatch.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The record's bytes can never be read: retrying will not help, so the record belongs in a
 * dead-letter topic with {@link #reason()} (a short, fixed phrase fit for a header or a counter)
 * and the message (the detail: topic, schema id, what Avro said).
 */
public final class InvalidRecordException extends SerializationException {
    /** Why a record is unreadable; {@link #phrase()} is stable text for headers and counters. */
    public enum Reason {
        /** Fewer than the 5 bytes of Confluent's header. */
        TRUNCATED_HEADER("truncated header"),
        /** First byte is not Confluent's magic byte 0. */
        UNKNOWN_MAGIC_BYTE("unknown magic byte"),
        /** The registry answered that no schema has this id (Confluent error 40403). */
        UNKNOWN_SCHEMA_ID("unknown schema id"),
        /** The registry's schema for this id does not parse (it answered, so this will not change). */
        UNREADABLE_WRITER_SCHEMA("unreadable writer schema"),
        /** The writer's schema cannot be read as the reader's (wrong types, missing fields without defaults). */
        INCOMPATIBLE_WRITER_SCHEMA("incompatible writer schema"),
        /** The Avro body is truncated or corrupt for its writer schema. */
        CORRUPT_PAYLOAD("truncated or corrupt Avro");

        private final String phrase;

        Reason(String phrase) {
            this.phrase = phrase;
        }

        public String phrase() {
            return phrase;
        }
    }

    private final Reason reason;

    public InvalidRecordException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidRecordException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
