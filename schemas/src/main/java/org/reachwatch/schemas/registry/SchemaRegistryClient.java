package org.reachwatch.schemas.registry;

import org.apache.avro.Schema;

/**
 * The calls a serde needs from a Confluent-compatible Schema Registry.
 *
 * <p>Implementations cache: once a schema's id is known, neither direction asks the registry
 * again for it. Every failure is a {@link SchemaRegistryException} that says what went wrong
 * (not found, incompatible, invalid) and carries Confluent's error code; a registry that could not
 * answer (unreachable, timed out, 5xx) gives the subclass {@link SchemaRegistryUnavailableException}.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (idempotent: the same schema keeps its id) and returns its global id. */
    int register(String subject, Schema schema);

    /** Id of {@code schema} if it is already registered under {@code subject}; never registers. */
    int lookup(String subject, Schema schema);

    /** The latest version registered under {@code subject}. */
    RegisteredSchema latest(String subject);

    /** The schema with global id {@code id}. */
    Schema byId(int id);

    /** Whether {@code schema} may be registered under {@code subject} given the subject's compatibility level. */
    boolean isCompatible(String subject, Schema schema);
}
