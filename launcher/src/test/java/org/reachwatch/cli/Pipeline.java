package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.producer.DiskSpool;
import org.reachwatch.producer.MeasurementPublisher;
import org.reachwatch.schemas.serde.AvroSerde;

/** Publishes measurements as a probe does (the lossless publisher, its spool, its producer settings). */
final class Pipeline implements AutoCloseable {
    private final MeasurementPublisher publisher;

    Pipeline(String bootstrapServers, Map<String, Object> client, String registryUrl, DetectorTopics topics, Path spool) {
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

    Map<String, Long> metrics() {
        return publisher.metrics();
    }

    @Override
    public void close() {
        publisher.close();
    }
}
