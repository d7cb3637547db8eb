package org.reachwatch.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.serde.AvroSerde;

/** The publisher with Kafka unreachable (a real producer pointed at a closed port): spool, refuse loudly, keep everything. */
class MeasurementPublisherTest {
    @TempDir
    Path dir;

    @Test
    void whileKafkaIsUnreachableTheSpoolFillsThenRefusesLoudlyAndKeepsEverythingForTheNextStart() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Properties props = MeasurementPublisher.producerConfig("127.0.0.1:" + closedPort);
        // fail fast: nothing will ever answer on that port
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300");
        KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(props, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, "mem://publisher-unit", false).serializer());
        DiskSpool spool = new DiskSpool(dir, 16 * 1024, Duration.ZERO);
        MeasurementPublisher publisher = new MeasurementPublisher(producer, spool, "probe.measurements", Duration.ofMillis(50));
        int accepted = 0;
        try {
            while (true) {
                publisher.publish(Measurements.numbered(accepted, 4));
                accepted++;
            }
        } catch (SpoolFullException e) {
            assertThat(e).hasMessageContaining("is full");
        }
        int first = accepted;
        assertThatThrownBy(() -> publisher.publish(Measurements.numbered(first, 4))).isInstanceOf(SpoolFullException.class);
        assertThat(publisher.metrics().get("spoolRefused")).isEqualTo(2L);
        assertThat(publisher.metrics().get("sent")).isZero();
        assertThat(publisher.awaitDelivered(Duration.ofMillis(200))).isFalse();
        publisher.close(Duration.ZERO);

        try (DiskSpool reopened = new DiskSpool(dir, 16 * 1024, Duration.ZERO)) {
            assertThat(reopened.read(1000, Duration.ZERO)).extracting(en -> Measurements.number(en.measurement()))
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, accepted).boxed().toList());
        }
    }

    @Test
    void clientSettingsApplyOverTheDefaultsButCannotWeakenDelivery() {
        Properties p = MeasurementPublisher.producerConfig("broker:9093", java.util.Map.of("security.protocol", "SASL_SSL",
                "compression.type", "zstd", "num.stream.threads", "2", "bootstrap.servers", "elsewhere:1"));

        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("compression.type", "zstd")
                .containsEntry("bootstrap.servers", "broker:9093").containsEntry("acks", "all")
                .doesNotContainKey("num.stream.threads");
        assertThatThrownBy(() -> MeasurementPublisher.producerConfig("b:1", java.util.Map.of("acks", "1")))
                .hasMessageContaining("acks=1 contradicts lossless delivery");
        assertThatThrownBy(() -> MeasurementPublisher.producerConfig("b:1", java.util.Map.of("enable.idempotence", "false")))
                .hasMessageContaining("enable.idempotence=false");
    }
}
