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
 * All methods are synchronized: writes are rare and reads are cheap map look-ups.
 */
final class Registry {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAX_ID_KEY = "{\"keytype\":\"REACHWATCH_MAX_ID\",\"magic\":0}";

    record Version(String subject, int version, int id, boolean deleted) {
    }

    private final KafkaSchemaLog log;
    private final Map<Integer, String> textById = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    private final Map<Schema, Integer> idBySchema = new HashMap<>();
    private final Map<String, NavigableMap<Integer, Version>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;
    private int maxId;

    /** Set when a write failed: it may still have landed, so memory is rebuilt from Kafka before the next write. */
    private boolean stale;

    Registry(KafkaSchemaLog log) {
        this.log = log;
        replay();
    }

    /** Rebuilds memory from the whole topic; memory is untouched if Kafka cannot be read. */
    private void replay() {
        List<ConsumerRecord<String, String>> records = log.readAll();
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
    }

    /** Writes through to Kafka; a failure marks memory stale (the write may yet have landed). */
    private void append(String key, String value) {
        try {
            log.append(key, value);
        } catch (RegistryError e) {
            stale = true;
            throw e;
        }
    }

    /**
     * Called first by every write: after a failed write, rebuilds memory from the topic so that
     * decisions (the next id, the next version) account for a write Kafka stored after all.
     */
    private void ensureFresh() {
        if (!stale) {
            return;
        }
        try {
            replay();
        } catch (RuntimeException e) {
            throw new RegistryError(500, RegistryError.STORE_ERROR, "Error while reading the schema topic: " + e.getMessage(), e);
        }
        stale = false;
    }

    synchronized int schemaCount() {
        return textById.size();
    }

    // ---- schemas ----

    synchronized int register(String subject, String text) {
        ensureFresh();
        Schema schema = parse(text);
        NavigableMap<Integer, Version> versions = subjects.getOrDefault(subject, new TreeMap<>());
        Integer existingId = idBySchema.get(schema);
        if (existingId != null) {
            for (Version v : versions.values()) {
                if (!v.deleted() && v.id() == existingId) {
                    return existingId;
                }
            }
        }
        if (!level(subject).allows(schema, liveSchemasNewestFirst(subject))) {
            throw new RegistryError(409, RegistryError.INCOMPATIBLE, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\" under compatibility level " + level(subject));
        }
        int id = existingId != null ? existingId : maxId + 1;
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        String storedText = existingId != null ? textById.get(existingId) : text;
        writeSchema(subject, version, id, storedText, false);
        return id;
    }

    synchronized Version lookup(String subject, String text, boolean includeDeleted) {
        Schema schema = parse(text);
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
    }

    synchronized String schemaText(int id) {
        String text = textById.get(id);
        if (text == null) {
            throw RegistryError.schemaNotFound("Schema " + id + " not found");
        }
        return text;
    }

    synchronized List<String> subjects(boolean includeDeleted) {
        List<String> names = new ArrayList<>();
        subjects.forEach((name, versions) -> {
            if (versions.values().stream().anyMatch(v -> includeDeleted || !v.deleted())) {
                names.add(name);
            }
        });
        return names;
    }

    synchronized List<Integer> versions(String subject, boolean includeDeleted) {
        List<Integer> numbers = new ArrayList<>();
        for (Version v : liveOrAll(subject, includeDeleted)) {
            numbers.add(v.version());
        }
        return numbers;
    }

    /** {@code versionText} is a positive number, {@code latest} or -1 (Confluent's alias for latest). */
    synchronized Version version(String subject, String versionText, boolean includeDeleted) {
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
    synchronized List<Integer> deleteSubject(String subject, boolean permanent) {
        ensureFresh();
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
            keepMaxIdAfterCompaction();
            for (Version v : new ArrayList<>(versions.values())) {
                append(schemaKey(subject, v.version()), null);
                apply(schemaKey(subject, v.version()), null);
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
                writeSchema(subject, v.version(), v.id(), textById.get(v.id()), true);
                affected.add(v.version());
            }
        }
        return affected;
    }

    /** Soft-deletes one version ({@code permanent}: removes an already soft-deleted one); returns its number. */
    synchronized int deleteVersion(String subject, String versionText, boolean permanent) {
        ensureFresh();
        Version target = version(subject, versionText, permanent || !isLatest(versionText));
        if (!permanent && target.deleted()) {
            throw new RegistryError(404, RegistryError.VERSION_SOFT_DELETED, "Subject '" + subject + "' Version "
                    + target.version() + " was soft deleted. Set permanent=true to delete permanently");
        }
        if (permanent) {
            if (!target.deleted()) {
                throw new RegistryError(404, RegistryError.VERSION_NOT_SOFT_DELETED, "Subject '" + subject + "' Version "
                        + target.version() + " was not deleted first before being permanently deleted");
            }
            keepMaxIdAfterCompaction();
            append(schemaKey(subject, target.version()), null);
            apply(schemaKey(subject, target.version()), null);
        } else {
            writeSchema(subject, target.version(), target.id(), textById.get(target.id()), true);
        }
        return target.version();
    }

    synchronized boolean isCompatible(String subject, String versionText, String text) {
        Schema schema = parse(text);
        liveOrAll(subject, false); // 40401 for an unknown subject, as Confluent
        CompatibilityLevel level = level(subject);
        if (isLatest(versionText)) {
            return level.allows(schema, liveSchemasNewestFirst(subject));
        }
        Version target = version(subject, versionText, false);
        return level.allows(schema, List.of(schemaById.get(target.id())));
    }

    // ---- config ----

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized CompatibilityLevel subjectLevel(String subject, boolean defaultToGlobal) {
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
    synchronized void setLevel(String subject, CompatibilityLevel level) {
        ensureFresh();
        ObjectNode value = JSON.createObjectNode().put("compatibilityLevel", level.name());
        append(configKey(subject), value.toString());
        apply(configKey(subject), value.toString());
    }

    /** Removes the subject's own level (it falls back to the global one); returns the removed level. */
    synchronized CompatibilityLevel deleteSubjectLevel(String subject) {
        ensureFresh();
        CompatibilityLevel level = subjectLevel(subject, false);
        append(configKey(subject), null);
        apply(configKey(subject), null);
        return level;
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

    private void writeSchema(String subject, int version, int id, String text, boolean deleted) {
        ObjectNode value = JSON.createObjectNode()
                .put("subject", subject).put("version", version).put("id", id)
                .put("schema", text).put("deleted", deleted);
        String key = schemaKey(subject, version);
        append(key, value.toString());
        apply(key, value.toString());
    }

    /**
     * A tombstone lets compaction drop the only record holding the highest id; a restarted registry
     * would then hand that id out again for another schema, and old records would decode wrongly.
     * This record (one key, latest value wins) keeps the high-water mark.
     */
    private void keepMaxIdAfterCompaction() {
        append(MAX_ID_KEY, JSON.createObjectNode().put("id", maxId).toString());
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
