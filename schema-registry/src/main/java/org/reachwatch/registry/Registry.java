package org.reachwatch.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The registry's state in memory, rebuilt from {@link KafkaSchemaLog} at start and written through
 * it on every change (the log first, then memory, so memory never holds what Kafka lost). One
 * global id per distinct schema (equal parsed Avro schemas), versions numbered per subject.
 *
 * <h2>Reads never wait on writes</h2>
 * Writes are serialised among themselves by {@code writeLock}, which a writer holds while it waits
 * for Kafka; the in-memory state has its own read-write lock, taken for writing only for the
 * instant a record Kafka acknowledged is folded in. So a read (a schema by id, a subject's
 * versions, a lookup, a compatibility check, re-registering a schema that is already there) is a
 * map look-up however long a write waits on an absent broker. A write gives up after the log's
 * write timeout, counted from when it arrived (waiting for its turn included), with HTTP 500 and
 * Confluent's 50002 "operation timed out"; at most {@link #MAX_PENDING_WRITES} writes wait at once
 * (one more waits 0.1 s for a place, then is refused with 50002 too), so writes waiting on Kafka
 * can never hold every HTTP thread.
 */
final class Registry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAX_ID_KEY = "{\"keytype\":\"REACHWATCH_MAX_ID\",\"magic\":0}";

    record Version(String subject, int version, int id, boolean deleted) {
    }

    /** Writes allowed to wait for Kafka at once; the HTTP server keeps more threads than this for reads. */
    static final int MAX_PENDING_WRITES = 8;
    /** How long a write waits for a place among them: ample for a burst while Kafka answers in milliseconds. */
    private static final long PLACE_WAIT_MILLIS = 100;

    private final KafkaSchemaLog log;
    private final java.util.concurrent.locks.ReentrantLock writeLock = new java.util.concurrent.locks.ReentrantLock(true);
    private final java.util.concurrent.Semaphore pendingWrites = new java.util.concurrent.Semaphore(MAX_PENDING_WRITES);
    private final java.util.concurrent.locks.ReentrantReadWriteLock stateLock = new java.util.concurrent.locks.ReentrantReadWriteLock();
    private final Map<Integer, String> textById = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<String, NavigableMap<Integer, Version>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int maxId;

    /** Set when a write failed: it may still have landed, so memory is rebuilt from Kafka before the next write. Guarded by writeLock. */
    private boolean stale;

    Registry(KafkaSchemaLog log) {
        this.log = log;
        try {
            replay(log.readAll(log.timeout()));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("cannot read the schema topic: " + e.getMessage(), e);
        }
    }

    /** Rebuilds memory from {@code records} (the whole topic), in one step as readers see it. */
    private void replay(List<ConsumerRecord<String, String>> records) {
        stateLock.writeLock().lock();
        try {
            textById.clear();
            schemaById.clear();
            idBySchema.clear();
            subjects.clear();
            subjectLevels.clear();
            globalLevel = CompatibilityLevel.BACKWARD;
            maxId = 0;
            for (ConsumerRecord<String, String> record : records) {
                apply(record.key(), record.value());
            }
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /** A write: one at a time, bounded by the log's write timeout from now, never blocking readers while it waits. */
    private <T> T write(String operation, java.util.function.LongFunction<T> body) {
        long deadline = System.nanoTime() + log.writeTimeout().toNanos();
        try {
            if (!pendingWrites.tryAcquire(PLACE_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw timedOut(operation, MAX_PENDING_WRITES + " writes are already waiting for Kafka");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, RegistryError.STORE_ERROR, operation + " interrupted", e);
        }
        try {
            if (!writeLock.tryLock(log.writeTimeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                throw timedOut(operation, "the write before it is still waiting for Kafka");
            }
            try {
                ensureFresh(deadline);
                return body.apply(deadline);
            } finally {
                writeLock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryError(500, RegistryError.STORE_ERROR, operation + " interrupted", e);
        } finally {
            pendingWrites.release();
        }
    }

    private RegistryError timedOut(String operation, String why) {
        return new RegistryError(500, RegistryError.OPERATION_TIMEOUT, operation + " operation timed out after "
                + log.writeTimeout().toMillis() + " ms: " + why + "; reads are unaffected, retry the write later");
    }

    private <T> T read(java.util.function.Supplier<T> body) {
        stateLock.readLock().lock();
        try {
            return body.get();
        } finally {
            stateLock.readLock().unlock();
        }
    }

    /** Writes through to Kafka (holding only writeLock); a failure marks memory stale (the write may yet have landed). */
    private void append(String key, String value, long deadline) {
        try {
            log.append(key, value, java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RegistryError e) {
            stale = true;
            throw e;
        }
    }

    /** Folds an acknowledged record into memory: the only moment readers wait, a map update long. */
    private void applyWritten(String key, String value) {
        stateLock.writeLock().lock();
        try {
            apply(key, value);
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /**
     * Called first by every write: after a failed write, rebuilds memory from the topic so that
     * decisions (the next id, the next version) account for a write Kafka stored after all.
     */
    private void ensureFresh(long deadline) {
        if (!stale) {
            return;
        }
        List<ConsumerRecord<String, String>> records;
        try {
            records = log.readAll(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw timedOut("Write", "Kafka did not answer while re-reading the schema topic after an earlier failed write");
        } catch (RuntimeException e) {
            throw new RegistryError(500, RegistryError.STORE_ERROR, "Error while reading the schema topic: " + e.getMessage(), e);
        }
        replay(records);
        stale = false;
    }

    int schemaCount() {
        return read(textById::size);
    }

    // ---- schemas ----

    int register(String subject, String text) {
        Schema schema = parse(text);
        Integer already = read(() -> liveIdUnder(subject, schema));
        if (already != null) {
            return already; // re-registering is the common case (every serializer at start): a read
        }
        return write("Register", deadline -> {
            NavigableMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
            Integer existingId = idBySchema.get(schema);
            Integer live = liveIdUnder(subject, schema);
            if (live != null) {
                return live;
            }
            if (!level(subject).allows(schema, liveSchemasNewestFirst(subject))) {
                throw new RegistryError(409, RegistryError.INCOMPATIBLE, "Schema being registered is incompatible with an earlier schema for subject \""
                        + subject + "\" under compatibility level " + level(subject));
            }
            int id = existingId != null ? existingId : maxId + 1;
            int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
            String storedText = existingId != null ? textById.get(existingId) : text;
            writeSchema(subject, version, id, storedText, false, deadline);
            return id;
        });
    }

    /** The id of {@code schema} if a live version of {@code subject} holds it. */
    private Integer liveIdUnder(String subject, Schema schema) {
        Integer id = idBySchema.get(schema);
        NavigableMap<Integer, Version> versions = subjects.get(subject);
        if (id == null || versions == null) {
            return null;
        }
        for (Version v : versions.values()) {
            if (!v.deleted() && v.id() == id) {
                return id;
            }
        }
        return null;
    }

    Version lookup(String subject, String text, boolean includeDeleted) {
        Schema schema = parse(text);
        return read(() -> {
            NavigableMap<Integer, Version> versions = subjects.get(subject);
            if (versions == null || (!includeDeleted && versions.values().stream().allMatch(Version::deleted))) {
                throw RegistryError.subjectNotFound(subject);
            }
            Integer id = idBySchema.get(schema);
            if (id != null) {
                for (Version v : versions.descendingMap().values()) {
                    if (v.id() == id && (includeDeleted || !v.deleted())) {
                        return v;
                    }
                }
            }
            throw RegistryError.schemaNotFound("Schema not found under subject '" + subject + "'.");
        });
    }

    String schemaText(int id) {
        String text = read(() -> textById.get(id));
        if (text == null) {
            throw RegistryError.schemaNotFound("Schema " + id + " not found");
        }
        return text;
    }

    List<String> subjects(boolean includeDeleted) {
        return read(() -> {
            List<String> names = new ArrayList<>();
            subjects.forEach((name, versions) -> {
                if (versions.values().stream().anyMatch(v -> includeDeleted || !v.deleted())) {
                    names.add(name);
                }
            });
            return names;
        });
    }

    List<Integer> versions(String subject, boolean includeDeleted) {
        return read(() -> {
            List<Integer> numbers = new ArrayList<>();
            for (Version v : liveOrAll(subject, includeDeleted)) {
                numbers.add(v.version());
            }
            return numbers;
        });
    }

    /** {@code versionText} is a positive number, {@code latest} or -1 (Confluent's alias for latest). */
    Version version(String subject, String versionText, boolean includeDeleted) {
        return read(() -> findVersion(subject, versionText, includeDeleted));
    }

    private Version findVersion(String subject, String versionText, boolean includeDeleted) {
        List<Version> candidates = liveOrAll(subject, includeDeleted);
        if (isLatest(versionText)) {
            return candidates.get(candidates.size() - 1);
        }
        int number = parseVersion(versionText);
        for (Version v : candidates) {
            if (v.version() == number) {
                return v;
            }
        }
        throw RegistryError.versionNotFound(subject, versionText);
    }

    /** Soft-deletes every live version ({@code permanent}: removes soft-deleted ones); returns their numbers. */
    List<Integer> deleteSubject(String subject, boolean permanent) {
        return write("Delete subject", deadline -> {
            NavigableMap<Integer, Version> versions = subjects.get(subject);
            if (versions == null || versions.isEmpty()) {
                throw RegistryError.subjectNotFound(subject);
            }
            List<Integer> affected = new ArrayList<>();
            if (permanent) {
                if (versions.values().stream().anyMatch(v -> !v.deleted())) {
                    throw new RegistryError(404, RegistryError.SUBJECT_NOT_SOFT_DELETED,
                            "Subject '" + subject + "' was not deleted first before being permanently deleted");
                }
                keepMaxIdAfterCompaction(deadline);
                for (Version v : new ArrayList<>(versions.values())) {
                    append(schemaKey(subject, v.version()), null, deadline);
                    applyWritten(schemaKey(subject, v.version()), null);
                    affected.add(v.version());
                }
                return affected;
            }
            if (versions.values().stream().allMatch(Version::deleted)) {
                throw new RegistryError(404, RegistryError.SUBJECT_SOFT_DELETED, "Subject '" + subject + "' was soft deleted. "
                        + "Set permanent=true to delete permanently");
            }
            for (Version v : new ArrayList<>(versions.values())) {
                if (!v.deleted()) {
                    writeSchema(subject, v.version(), v.id(), textById.get(v.id()), true, deadline);
                    affected.add(v.version());
                }
            }
            return affected;
        });
    }

    /** Soft-deletes one version ({@code permanent}: removes an already soft-deleted one); returns its number. */
    int deleteVersion(String subject, String versionText, boolean permanent) {
        return write("Delete version", deadline -> {
            Version target = findVersion(subject, versionText, permanent || !isLatest(versionText));
            if (!permanent && target.deleted()) {
                throw new RegistryError(404, RegistryError.VERSION_SOFT_DELETED, "Subject '" + subject + "' Version "
                        + target.version() + " was soft deleted. Set permanent=true to delete permanently");
            }
            if (permanent) {
                if (!target.deleted()) {
                    throw new RegistryError(404, RegistryError.VERSION_NOT_SOFT_DELETED, "Subject '" + subject + "' Version "
                            + target.version() + " was not deleted first before being permanently deleted");
                }
                keepMaxIdAfterCompaction(deadline);
                append(schemaKey(subject, target.version()), null, deadline);
                applyWritten(schemaKey(subject, target.version()), null);
            } else {
                writeSchema(subject, target.version(), target.id(), textById.get(target.id()), true, deadline);
            }
            return target.version();
        });
    }

    boolean isCompatible(String subject, String versionText, String text) {
        Schema schema = parse(text);
        return read(() -> {
            liveOrAll(subject, false); // 40401 for an unknown subject, as Confluent
            CompatibilityLevel level = level(subject);
            if (isLatest(versionText)) {
                return level.allows(schema, liveSchemasNewestFirst(subject));
            }
            Version target = findVersion(subject, versionText, false);
            return level.allows(schema, List.of(schemaById.get(target.id())));
        });
    }

    // ---- config ----

    CompatibilityLevel globalLevel() {
        return read(() -> globalLevel);
    }

    CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
        return read(() -> levelOf(subject, defaultToGlobal));
    }

    private CompatibilityLevel levelOf(String subject, boolean defaultToGlobal) {
        CompatibilityLevel level = subjectLevels.get(subject);
        if (level != null) {
            return level;
        }
        if (defaultToGlobal) {
            return globalLevel;
        }
        throw new RegistryError(404, RegistryError.SUBJECT_CONFIG_NOT_FOUND,
                "Subject '" + subject + "' does not have subject-level compatibility configured");
    }

    /** Sets the level of {@code subject}, or the global level when {@code subject} is null. */
    void setLevel(String subject, CompatibilityLevel level) {
        write("Update config", deadline -> {
            ObjectNode value = JSON.createObjectNode().put("compatibilityLevel", level.name());
            append(configKey(subject), value.toString(), deadline);
            applyWritten(configKey(subject), value.toString());
            return null;
        });
    }

    /** Removes the subject's own level (it falls back to the global one); returns the removed level. */
    CompatibilityLevel deleteSubjectLevel(String subject) {
        return write("Delete config", deadline -> {
            CompatibilityLevel level = levelOf(subject, false);
            append(configKey(subject), null, deadline);
            applyWritten(configKey(subject), null);
            return level;
        });
    }

    // ---- internals ----

    private CompatibilityLevel level(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private List<Schema> liveSchemasNewestFirst(String subject) {
        List<Schema> result = new ArrayList<>();
        NavigableMap<Integer, Version> versions = subjects.get(subject);
        if (versions != null) {
            for (Version v : versions.descendingMap().values()) {
                if (!v.deleted()) {
                    result.add(schemaById.get(v.id()));
                }
            }
        }
        return result;
    }

    private List<Version> liveOrAll(String subject, boolean includeDeleted) {
        NavigableMap<Integer, Version> versions = subjects.get(subject);
        List<Version> result = new ArrayList<>();
        if (versions != null) {
            for (Version v : versions.values()) {
                if (includeDeleted || !v.deleted()) {
                    result.add(v);
                }
            }
        }
        if (result.isEmpty()) {
            throw RegistryError.subjectNotFound(subject);
        }
        return result;
    }

    private static boolean isLatest(String versionText) {
        return "latest".equals(versionText) || "-1".equals(versionText);
    }

    private static int parseVersion(String text) {
        try {
            int number = Integer.parseInt(text);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new RegistryError(422, RegistryError.INVALID_VERSION, "The specified version '" + text
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    static Schema parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryError.invalidSchema("empty schema");
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw RegistryError.invalidSchema(e.getMessage());
        }
    }

    private void writeSchema(String subject, int version, int id, String text, boolean deleted, long deadline) {
        ObjectNode value = JSON.createObjectNode()
                .put("subject", subject).put("version", version).put("id", id)
                .put("schema", text).put("deleted", deleted);
        String key = schemaKey(subject, version);
        append(key, value.toString(), deadline);
        applyWritten(key, value.toString());
    }

    /**
     * A tombstone lets compaction drop the only record holding the highest id; a restarted registry
     * would then hand that id out again for another schema, and old records would decode wrongly.
     * This record (one key, latest value wins) keeps the high-water mark.
     */
    private void keepMaxIdAfterCompaction(long deadline) {
        append(MAX_ID_KEY, JSON.createObjectNode().put("id", maxId).toString(), deadline);
    }

    private static String schemaKey(String subject, int version) {
        return JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", subject)
                .put("version", version).put("magic", 1).toString();
    }

    private static String configKey(String subject) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        return key.put("magic", 0).toString();
    }

    /** Folds one log record into memory; unknown key types (Confluent's NOOP, MODE...) are skipped. */
    private void apply(String keyText, String valueText) {
        JsonNode key;
        JsonNode value;
        try {
            key = JSON.readTree(keyText);
            value = valueText == null ? null : JSON.readTree(valueText);
        } catch (Exception e) {
            return;
        }
        String type = key.path("keytype").asText();
        JsonNode subjectNode = key.get("subject");
        String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
        if ("SCHEMA".equals(type) && subject != null) {
            int version = key.path("version").asInt();
            if (value == null) {
                NavigableMap<Integer, Version> versions = subjects.get(subject);
                if (versions != null) {
                    versions.remove(version);
                    if (versions.isEmpty()) {
                        subjects.remove(subject);
                    }
                }
                return;
            }
            int id = value.path("id").asInt();
            String text = value.path("schema").asText();
            // Counted even when the schema below is skipped, so a new schema never reuses its id.
            maxId = Math.max(maxId, id);
            if (!textById.containsKey(id)) {
                Schema schema;
                try {
                    schema = new Schema.Parser().parse(text);
                } catch (RuntimeException e) {
                    return;
                }
                textById.put(id, text);
                schemaById.put(id, schema);
                idBySchema.putIfAbsent(schema, id);
            }
            subjects.computeIfAbsent(subject, s -> new TreeMap<>())
                    .put(version, new Version(subject, version, id, value.path("deleted").asBoolean(false)));
        } else if ("REACHWATCH_MAX_ID".equals(type) && value != null) {
            maxId = Math.max(maxId, value.path("id").asInt());
        } else if ("CONFIG".equals(type)) {
            CompatibilityLevel level = null;
            if (value != null) {
                try {
                    level = CompatibilityLevel.valueOf(value.path("compatibilityLevel").asText());
                } catch (IllegalArgumentException e) {
                    return;
                }
            }
            if (subject == null) {
                globalLevel = level == null ? CompatibilityLevel.BACKWARD : level;
            } else if (level == null) {
                subjectLevels.remove(subject);
            } else {
                subjectLevels.put(subject, level);
            }
        }
    }
}
