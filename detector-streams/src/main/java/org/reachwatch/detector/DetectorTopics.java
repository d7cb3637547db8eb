package org.reachwatch.detector;

import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.ServiceOutageEvent;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The detector's topics with their serdes. Inputs are read as bytes and deserialized inside the
 * topology, so a record that does not deserialize goes to the dead-letter topic instead of
 * stopping the application.
 */
public record DetectorTopics(
        Topic<byte[], byte[]> measurements,
        Topic<byte[], byte[]> heartbeats,
        Topic<byte[], byte[]> ticks,
        Topic<byte[], byte[]> late,
        Topic<byte[], byte[]> deadLetter,
        Topic<String, AvailabilityWindow> windows,
        Topic<String, DisruptionEvent> events,
        Topic<String, IncidentSummary> incidents,
        Topic<byte[], byte[]> verdicts,
        Topic<String, ServiceOutageEvent> serviceOutages,
        String registryUrl) {

    /** The default topic names, Avro values over the registry at {@code registryUrl}. */
    public static DetectorTopics defaults(String registryUrl) {
        return withPrefix("", registryUrl);
    }

    /** Default names with {@code prefix} in front (several replays on one cluster). */
    public static DetectorTopics withPrefix(String prefix, String registryUrl) {
        return new DetectorTopics(
                bytes(prefix + TopicNames.MEASUREMENTS), bytes(prefix + TopicNames.HEARTBEATS), bytes(prefix + TopicNames.TICKS),
                bytes(prefix + TopicNames.LATE_MEASUREMENTS), bytes(prefix + TopicNames.DEAD_LETTER),
                new Topic<>(prefix + TopicNames.WINDOWS, Serdes.String(),
                        AvroSerde.specific(AvailabilityWindow.class, registryUrl, false, Map.of())),
                new Topic<>(prefix + TopicNames.EVENTS, Serdes.String(),
                        AvroSerde.specific(DisruptionEvent.class, registryUrl, false, Map.of())),
                new Topic<>(prefix + TopicNames.INCIDENTS, Serdes.String(),
                        AvroSerde.specific(IncidentSummary.class, registryUrl, false, Map.of())),
                bytes(prefix + TopicNames.VERDICTS),
                new Topic<>(prefix + TopicNames.SERVICE_OUTAGES, Serdes.String(),
                        AvroSerde.specific(ServiceOutageEvent.class, registryUrl, false, Map.of())),
                registryUrl);
    }

    private static Topic<byte[], byte[]> bytes(String name) {
        return new Topic<>(name, Serdes.ByteArray(), Serdes.ByteArray());
    }
}
