package org.reachwatch.schemas.registry;

import org.apache.avro.Schema;

/** A schema as the registry holds it: subject, version within the subject, global id. */
public record RegisteredSchema(String subject, int version, int id, Schema schema) {
}
