package org.reachwatch.schemas.serde;

import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.reachwatch.schemas.registry.SchemaRegistryClient;
import org.reachwatch.schemas.registry.SchemaRegistryClients;

/** Serdes for generated Avro classes over a Schema Registry, usable in Kafka Streams and plain clients. */
public final class AvroSerde {
    private AvroSerde() {
    }

    /**
     * A configured serde for {@code type}: writes with auto-registration under TopicNameStrategy,
     * reads into {@code type}. Extra serde settings (see {@link AvroSerdeConfig}) go in {@code configs}.
     */
    public static <T extends SpecificRecord> Serde<T> specific(Class<T> type, String registryUrl, boolean isKey,
                                                               Map<String, ?> configs) {
        return specific(type, SchemaRegistryClients.forUrl(registryUrl), registryUrl, isKey, configs);
    }

    public static <T extends SpecificRecord> Serde<T> specific(Class<T> type, String registryUrl, boolean isKey) {
        return specific(type, registryUrl, isKey, Map.of());
    }

    /** As {@link #specific(Class, String, boolean, Map)} with an explicit client. */
    public static <T extends SpecificRecord> Serde<T> specific(Class<T> type, SchemaRegistryClient client, String registryUrl,
                                                               boolean isKey, Map<String, ?> configs) {
        AvroSerializer<T> serializer = new AvroSerializer<>(client);
        AvroDeserializer<T> deserializer = new AvroDeserializer<>(client, type);
        Map<String, Object> all = new java.util.HashMap<>(configs);
        all.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        serializer.configure(all, isKey);
        deserializer.configure(all, isKey);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
