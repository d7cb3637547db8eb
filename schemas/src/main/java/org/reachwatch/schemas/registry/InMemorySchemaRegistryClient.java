package org.reachwatch.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidatorBuilder;

/**
 * A registry inside the client, for unit tests that run a topology without a network
 * (TopologyTestDriver). Reach a shared instance by URL {@code mem://<scope>} through
 * {@link SchemaRegistryClients#forUrl(String)}. Same ids for the same schema, BACKWARD
 * compatibility per subject, the same errors as the HTTP client. Not for production: state
 * dies with the JVM.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
    private final Map<String, List<Integer>> versions = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
    private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        List<Integer> subjectVersions = versions.computeIfAbsent(subject, s -> new ArrayList<>());
        Integer existing = ids.get(schema);
        if (existing != null && subjectVersions.contains(existing)) {
            return existing;
        }
        if (!isCompatible(subject, schema)) {
            throw new SchemaRegistryException(SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "schema being registered is incompatible with the latest version of subject " + subject);
        }
        int id = existing != null ? existing : schemas.size() + 1;
        schemas.put(id, schema);
        ids.put(schema, id);
        subjectVersions.add(id);
        return id;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        Integer id = ids.get(schema);
        if (id == null || !versions.getOrDefault(subject, List.of()).contains(id)) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND,
                    "schema not found under subject " + subject);
        }
        return id;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        List<Integer> subjectVersions = versions.get(subject);
        if (subjectVersions == null || subjectVersions.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.SUBJECT_NOT_FOUND, "subject " + subject + " not found");
        }
        int id = subjectVersions.get(subjectVersions.size() - 1);
        return new RegisteredSchema(subject, subjectVersions.size(), id, schemas.get(id));
    }

    @Override
    public Schema byId(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        List<Integer> subjectVersions = versions.getOrDefault(subject, List.of());
        if (subjectVersions.isEmpty()) {
            return true;
        }
        try {
            new SchemaValidatorBuilder().canReadStrategy().validateLatest()
                    .validate(schema, List.of(schemas.get(subjectVersions.get(subjectVersions.size() - 1))));
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }
}
