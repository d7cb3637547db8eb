package org.reachwatch.registry;

import java.util.List;
import java.util.Locale;

import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidator;
import org.apache.avro.SchemaValidatorBuilder;

/**
 * Confluent's compatibility levels, decided by Avro's own schema validator. BACKWARD: the new
 * schema reads data written with the old one; FORWARD: the old reads the new; FULL: both.
 * Plain levels check the latest version only, TRANSITIVE ones every live version.
 */
enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    static CompatibilityLevel parse(String text) {
        if (text != null) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the error naming the accepted values
            }
        }
        throw new RegistryError(422, RegistryError.INVALID_COMPATIBILITY_LEVEL,
                "Invalid compatibility level: " + text + ". Valid values are " + List.of(values()));
    }

    /** Whether {@code candidate} may follow {@code existingNewestFirst} (live versions, newest first). */
    boolean allows(Schema candidate, List<Schema> existingNewestFirst) {
        if (this == NONE || existingNewestFirst.isEmpty()) {
            return true;
        }
        SchemaValidatorBuilder builder = new SchemaValidatorBuilder();
        builder = switch (this) {
            case BACKWARD, BACKWARD_TRANSITIVE -> builder.canReadStrategy();
            case FORWARD, FORWARD_TRANSITIVE -> builder.canBeReadStrategy();
            default -> builder.mutualReadStrategy();
        };
        boolean transitive = name().endsWith("_TRANSITIVE");
        SchemaValidator validator = transitive ? builder.validateAll() : builder.validateLatest();
        try {
            // validateLatest() checks the first schema of the iterable: the newest.
            validator.validate(candidate, existingNewestFirst);
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }
}
