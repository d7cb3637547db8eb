package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.schemas.serde.AvroDeserializer;
import org.reachwatch.schemas.serde.AvroSerdeConfig;
import org.reachwatch.schemas.serde.AvroSerializer;

/** ProbeMeasurements produced and consumed through a real broker, serdes configured only by properties. */
class ProbeMeasurementKafkaIT {
    static final String TOPIC = "probe.measurements.it";

    @Test
    void producedMeasurementsAreConsumedIdenticallyThroughBrokerAndRegistry() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             SchemaRegistryServer registry = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            broker.createTopics(List.of(TOPIC), 2, Map.of());
            List<ProbeMeasurement> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add(Measurements.measurement(i));
            }

            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class.getName());
            producerProps.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
            try (KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(producerProps)) {
                for (ProbeMeasurement m : sent) {
                    producer.send(new ProducerRecord<>(TOPIC, m.getMeasurementId(), m));
                }
                producer.flush();
            }

            Properties consumerProps = new Properties();
            consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-measurement-it");
            consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class.getName());
            consumerProps.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.url());
            consumerProps.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true");
            List<ProbeMeasurement> received = new ArrayList<>();
            try (KafkaConsumer<String, ProbeMeasurement> consumer = new KafkaConsumer<>(consumerProps)) {
                consumer.subscribe(List.of(TOPIC));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (received.size() < sent.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ProbeMeasurement> record : consumer.poll(Duration.ofMillis(200))) {
                        assertThat(record.key()).isEqualTo(record.value().getMeasurementId());
                        received.add(record.value());
                    }
                }
            }

            assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(new RegistryHttp(registry.url()).get("/subjects").json().toString()).isEqualTo("[\"" + TOPIC + "-value\"]");
        }
    }
}
