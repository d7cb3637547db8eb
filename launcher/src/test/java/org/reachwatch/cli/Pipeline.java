package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.schemas.serde.AvroSerde;

/** Publishes measurements as a probe does (the lossless publisher, its spool, its producer settings). */
final class Pipeline implements AutoCloseable {
    private final String bootstrapServers;
    private final Map<String, Object> client;
    private final String registryUrl;
    private final DetectorTopics topics;
    private final MeasurementPublisher publisher;

    Pipeline(String bootstrapServers, Map<String, Object> client, String registryUrl, DetectorTopics topics, Path spool) {
        this.bootstrapServers = bootstrapServers;
        this.client = client;
        this.registryUrl = registryUrl;
        this.topics = topics;
        KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(MeasurementPublisher.producerConfig(bootstrapServers, client),
                new StringSerializer(), AvroSerde.specific(ProbeMeasurement.class, registryUrl, false).serializer());
        this.publisher = new MeasurementPublisher(producer, new DiskSpool(spool, 256L << 20, Duration.ofSeconds(1)),
                topics.measurements().name(), Duration.ofMillis(200));
    }

    /** Hands every measurement to the publisher and waits until the broker has confirmed them all. */
    void publish(List<ProbeMeasurement> measurements) throws InterruptedException {
        measurements.forEach(publisher::publish);
        assertThat(publisher.awaitDelivered(Duration.ofMinutes(2))).as("publisher %s", publisher.metrics()).isTrue();
    }

    /** Tells the detector the input has ended (see {@link DetectorApp#endOfInputMarker}). */
    void endOfInput(List<ProbeMeasurement> measurements, DetectorSettings settings) throws Exception {
        ProbeHeartbeat marker = DetectorApp.endOfInputMarker(measurements.get(measurements.size() - 1).getStartTime(), settings);
        try (KafkaProducer<String, ProbeHeartbeat> heartbeats = new KafkaProducer<>(
                MeasurementPublisher.producerConfig(bootstrapServers, client), new StringSerializer(),
                AvroSerde.specific(ProbeHeartbeat.class, registryUrl, false).serializer())) {
            heartbeats.send(new ProducerRecord<>(topics.heartbeats().name(), marker.getProbeId(), marker)).get(60, TimeUnit.SECONDS);
        }
    }

    Map<String, Long> metrics() {
        return publisher.metrics();
    }

    @Override
    public void close() {
        publisher.close();
    }
}
