package org.reachwatch.schemas.serde;

import java.util.Map;

/**
 * Configuration keys of the Avro serde. The names are Confluent's, so a client configured for
 * {@code KafkaAvroSerializer} configures this serde the same way.
 */
public final class AvroSerdeConfig {
    /** Registry base URL: {@code http://host:port}, or {@code mem://scope} for tests. Required. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Register the writer's schema on first use (default true); when false it must already be registered. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Serialize with the subject's latest registered schema instead of the record's own (default false). */
    public static final String USE_LATEST_VERSION = "use.latest.version";
    /** Subject naming for keys: {@code TopicNameStrategy} (default) or {@code RecordNameStrategy}. */
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    /** Subject naming for values: {@code TopicNameStrategy} (default) or {@code RecordNameStrategy}. */
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";
    /** Deserialize into generated SpecificRecord classes (default false: GenericRecord). */
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";

    private final Map<String, ?> configs;

    AvroSerdeConfig(Map<String, ?> configs) {
        this.configs = configs;
    }

    String registryUrl() {
        Object url = configs.get(SCHEMA_REGISTRY_URL);
        if (url == null || url.toString().isBlank()) {
            throw new org.apache.kafka.common.config.ConfigException(SCHEMA_REGISTRY_URL + " must be set for the Avro serde");
        }
        return url.toString();
    }

    boolean flag(String key, boolean defaultValue) {
        Object value = configs.get(key);
        return value == null ? defaultValue : Boolean.parseBoolean(value.toString());
    }

    SubjectNameStrategy strategy(boolean isKey) {
        Object value = configs.get(isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY);
        return SubjectNameStrategy.parse(value == null ? null : value.toString());
    }
}
