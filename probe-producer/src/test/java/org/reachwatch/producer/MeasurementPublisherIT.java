package org.reachwatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The publisher loses nothing while the broker is stopped and restarted under load: every
 * measurement id arrives, exactly once after deduplication by id, in per-key order.
 */
class MeasurementPublisherIT {
    private static final String TOPIC = "probe.measurements.publisher-it";
    private static final int TOTAL = 4_000;
    private static final int TARGETS = 12;

    private static EmbeddedKafkaBroker broker;
    private static RegistryHandle registry;

    @TempDir
    Path spoolDir;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        // old event times (2024) must not be deleted by retention during the test
        broker.createTopics(List.of(TOPIC), 3, Map.of("retention.ms", "-1"));
        registry = RegistryHandle.start(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyMeasurementArrivesOnceInPerKeyOrderAcrossABrokerStopAndRestart() throws Exception {
        Properties props = MeasurementPublisher.producerConfig(broker.bootstrapServers());
        // shorter timeouts than production so that the outage is noticed in seconds, not half a minute
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "6000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        Serde<ProbeMeasurement> serde = AvroSerde.specific(ProbeMeasurement.class, registry.url(), false);
        KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(props, new StringSerializer(), serde.serializer());
        DiskSpool spool = new DiskSpool(spoolDir, 64L << 20, Duration.ofMillis(100));
        MeasurementPublisher publisher = new MeasurementPublisher(producer, spool, TOPIC, Duration.ofMillis(200));

        AtomicInteger published = new AtomicInteger();
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch restarting = new CountDownLatch(1);
        AtomicReference<Throwable> loadFailure = new AtomicReference<>();
        Thread load = new Thread(() -> {
            try {
                for (int i = 0; i < TOTAL; i++) {
                    if (i == 1_500) {
                        stopped.await();      // the rest of phase 1 raced the broker shutting down
                    } else if (i == 2_500) {
                        restarting.await();   // phase 3 races the broker starting up
                    }
                    publisher.publish(Measurements.numbered(i, TARGETS));
                    published.incrementAndGet();
                }
            } catch (Throwable t) {
                loadFailure.set(t);
            }
        }, "load");
        load.start();

        waitUntil(() -> published.get() >= 500, Duration.ofSeconds(30), "first measurements published");
        broker.stop();
        stopped.countDown();
        waitUntil(() -> published.get() >= 2_500 || loadFailure.get() != null, Duration.ofSeconds(30), "publishing during the outage");
        waitUntil(() -> publisher.metrics().get("retriableFailures") > 0, Duration.ofSeconds(60), "the outage to be noticed");
        assertThat(spool.pendingBytes()).as("measurements wait in the spool while the broker is down").isPositive();
        restarting.countDown();
        broker.restart();
        load.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(loadFailure.get()).isNull();
        assertThat(published.get()).isEqualTo(TOTAL);
        assertThat(publisher.awaitDelivered(Duration.ofSeconds(120))).as("spool drained").isTrue();
        Map<String, Long> metrics = publisher.metrics();
        publisher.close(Duration.ofSeconds(5));

        List<ProbeMeasurement> received = consumeAll(serde, Duration.ofSeconds(60));
        Set<String> ids = new HashSet<>();
        Map<String, Integer> lastPerKey = new HashMap<>();
        List<String> orderViolations = new ArrayList<>();
        for (ProbeMeasurement m : received) {
            if (!ids.add(m.getMeasurementId())) {
                continue; // duplicate on the wire: consumers dedupe by measurementId
            }
            String key = MeasurementPublisher.key(m);
            int n = Measurements.number(m);
            Integer last = lastPerKey.put(key, n);
            if (last != null && last > n) {
                orderViolations.add(key + ": " + last + " then " + n);
            }
        }
        assertThat(ids).hasSize(TOTAL);
        assertThat(orderViolations).isEmpty();
        assertThat(lastPerKey).as("keyed by country, as the detector's partitions need").containsOnlyKeys("PK");
        assertThat(metrics.get("rejected")).isZero();
        assertThat(registry.requests()).as("Avro went through the real registry").isPositive();
        System.out.printf("publisher IT: %d records on the wire for %d measurements, metrics %s%n",
                received.size(), TOTAL, metrics);
    }

    private static List<ProbeMeasurement> consumeAll(Serde<ProbeMeasurement> serde, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "publisher-it");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ProbeMeasurement> out = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        try (KafkaConsumer<String, ProbeMeasurement> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                serde.deserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (distinct.size() < TOTAL && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, ProbeMeasurement> r : consumer.poll(Duration.ofMillis(500))) {
                    assertThat(r.key()).isEqualTo(MeasurementPublisher.key(r.value()));
                    assertThat(r.timestamp()).isEqualTo(r.value().getStartTime().toEpochMilli());
                    out.add(r.value());
                    distinct.add(r.value().getMeasurementId());
                }
            }
        }
        return out;
    }

    private static void waitUntil(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder threads = new StringBuilder();
                Thread.getAllStackTraces().forEach((t, stack) -> {
                    if (t.getName().startsWith("measurement-publisher") || t.getName().startsWith("load")) {
                        threads.append(t.getName()).append(' ').append(t.getState()).append('\n');
                        for (StackTraceElement e : stack) {
                            threads.append("    at ").append(e).append('\n');
                        }
                    }
                });
                throw new AssertionError("timed out waiting for " + what + "; threads:\n" + threads);
            }
            TimeUnit.MILLISECONDS.sleep(20); // poll interval of a deadline wait, not a fixed delay
        }
    }
}
