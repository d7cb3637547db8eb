package org.reachwatch.schemas.serde;

import org.apache.avro.Schema;

/** How a subject name is derived, as Confluent's strategies of the same names do. */
public enum SubjectNameStrategy {
    /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic. */
    TOPIC_NAME,
    /** The record's full name: one lineage per record type, across topics. */
    RECORD_NAME;

    public String subject(String topic, boolean isKey, Schema schema) {
        return switch (this) {
            case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
            case RECORD_NAME -> schema.getFullName();
        };
    }

    /** Accepts the simple names and Confluent's class names ({@code io.confluent...TopicNameStrategy}). */
    static SubjectNameStrategy parse(String value) {
        if (value == null || value.isBlank() || value.endsWith("TopicNameStrategy") || value.equals("TOPIC_NAME")) {
            return TOPIC_NAME;
        }
        if (value.endsWith("RecordNameStrategy") && !value.endsWith("TopicRecordNameStrategy") || value.equals("RECORD_NAME")) {
            return RECORD_NAME;
        }
        throw new org.apache.kafka.common.config.ConfigException("unsupported subject name strategy: " + value
                + " (use TopicNameStrategy or RecordNameStrategy)");
    }
}
