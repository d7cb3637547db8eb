package org.reachwatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * The alert sender on a real KRaft broker and the project's Schema Registry, events written as the
 * detector writes them (a transactional producer, keyed by incident id, Avro values registered under
 * {@code <topic>-value}), delivered to a real HTTP receiver on loopback that fails, times out,
 * rejects and recovers.
 */
class AlertServiceIT {
    private static final List<EventType> STORY = List.of(EventType.DISRUPTION_STARTED, EventType.PARTIAL_RESTORATION,
            EventType.REBLOCKED, EventType.METHOD_CHANGED, EventType.RESTORED, EventType.INCIDENT_CLOSED);
    private static EmbeddedKafkaBroker broker;
    private static SchemaRegistryServer registry;
    private static Serde<DisruptionEvent> serde;
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private final TestReceiver receiver;
    private final List<Thread> threads = new ArrayList<>();
    private final List<AlertService> services = new ArrayList<>();
    private final Map<AlertService, AtomicReference<Throwable>> failures = new HashMap<>();
    private final String prefix = "it" + TOPICS.incrementAndGet() + ".";
    private final String eventsTopic = prefix + "disruption.events";
    private final String ledgerTopic = prefix + "alerts.delivered";
    private final String dlqTopic = prefix + "alerts-dlq";

    AlertServiceIT() throws Exception {
        receiver = new TestReceiver();
    }

    @BeforeAll
    static void startCluster() {
        broker = EmbeddedKafkaBroker.start();
        registry = SchemaRegistryServer.start(broker.bootstrapServers(), 0);
        serde = AvroSerde.specific(DisruptionEvent.class, registry.url(), false);
    }

    @AfterAll
    static void stopCluster() {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void stopServices() throws InterruptedException {
        services.forEach(AlertService::close);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        receiver.close();
    }

    @Test
    void everyEventIsDeliveredOnceThroughErrorsTimeoutsRejectionsAndRestarts() throws Exception {
        broker.createTopics(List.of(eventsTopic), 3, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));
        List<DisruptionEvent> first = story("PK", "x.com", "KE", "telegram", "IR", "instagram.com", "RU", "x.com");
        DisruptionEvent rejected = first.get(8);
        DisruptionEvent flaky = first.get(2);
        DisruptionEvent slow = first.get(5);
        DisruptionEvent aborted = Events.event("CN", "google.com", EventType.DISRUPTION_STARTED, Events.T0);
        produce(first.subList(0, 12));
        produceAborted(aborted);
        produceGarbage();
        produce(first.subList(12, first.size()));
        // 500 twice for one event, a hang past the timeout for another, 400 for good for a third, and an
        // outage of every request from the 14th to the 21st (503s, then refusals as timeouts), then recovery.
        AtomicInteger count = new AtomicInteger();
        receiver.script(r -> {
            int n = count.incrementAndGet();
            if (r.key().equals(rejected.getEventId())) {
                return TestReceiver.Reply.status(400, "{\"error\":\"channel_not_found\"}");
            }
            if (n >= 14 && n <= 21) {
                return n % 3 == 0 ? TestReceiver.Reply.hang() : TestReceiver.Reply.status(503, "maintenance");
            }
            if (r.key().equals(flaky.getEventId()) && r.seenBefore() < 2) {
                return TestReceiver.Reply.status(500, "boom");
            }
            if (r.key().equals(slow.getEventId()) && r.seenBefore() == 0) {
                return TestReceiver.Reply.hang();
            }
            return TestReceiver.Reply.ok();
        });

        AlertService a = start(config().fromBeginning(true), AlertFilter.all());
        assertThat(a.awaitHandled(first.size() + 1, Duration.ofMinutes(2))).as("handled: %s", a.stats()).isTrue();
        a.close();

        Set<String> delivered = first.stream().filter(e -> e != rejected).map(DisruptionEvent::getEventId).collect(Collectors.toSet());
        assertThat(receiver.accepted().keySet()).isEqualTo(delivered);
        assertThat(receiver.accepted().values()).containsOnly(1);
        assertThat(receiver.requests()).noneMatch(r -> r.key().equals(aborted.getEventId()));
        assertThat(a.stats().delivered()).isEqualTo(first.size() - 1);
        assertThat(a.stats().deadLettered()).isEqualTo(2);
        // Every request that was neither accepted nor rejected for good was followed by exactly one retry.
        long failed = receiver.requests().stream().filter(r -> r.status() != 200 && r.status() != 400).count();
        assertThat(a.stats().retries()).isEqualTo(failed).isGreaterThanOrEqualTo(8);
        assertThat(a.stats().requests()).isEqualTo(receiver.requests().size()).isEqualTo(first.size() + failed);
        assertThat(receiver.requests()).anyMatch(r -> r.status() == -1);
        List<Integer> flakyAnswers = statuses(flaky);
        assertThat(flakyAnswers).hasSizeGreaterThanOrEqualTo(3).endsWith(200);
        assertThat(flakyAnswers.subList(0, flakyAnswers.size() - 1)).doesNotContain(200);
        List<Integer> slowAnswers = statuses(slow);
        assertThat(slowAnswers).hasSizeGreaterThanOrEqualTo(2).endsWith(200);
        assertThat(slowAnswers.subList(0, slowAnswers.size() - 1)).doesNotContain(200);
        for (TestReceiver.Request r : receiver.requests()) {
            DisruptionEvent sent = org.reachwatch.schemas.json.AvroJson.fromJsonLine(r.body(), DisruptionEvent.class);
            assertThat(sent.getEventId()).isEqualTo(r.key());
            assertThat(r.header("Reachwatch-Redelivery")).isNull();
        }

        List<ConsumerRecord<byte[], byte[]>> dlq = readAll(dlqTopic);
        assertThat(dlq).hasSize(2);
        ConsumerRecord<byte[], byte[]> rejection = dlq.stream().filter(d -> header(d, "reachwatch.event.id") != null).findFirst()
                .orElseThrow();
        assertThat(header(rejection, "reachwatch.event.id")).isEqualTo(rejected.getEventId());
        assertThat(header(rejection, AlertService.REASON_HEADER)).isEqualTo("HTTP 400: {\"error\":\"channel_not_found\"}");
        assertThat(header(rejection, "reachwatch.http.status")).isEqualTo("400");
        assertThat(header(rejection, "reachwatch.source.topic")).isEqualTo(eventsTopic);
        assertThat(header(rejection, "reachwatch.webhook")).isEqualTo(receiver.url("/").toString() + "…");
        assertThat(serde.deserializer().deserialize(eventsTopic, rejection.value())).isEqualTo(rejected);
        ConsumerRecord<byte[], byte[]> garbage = dlq.stream().filter(d -> header(d, "reachwatch.event.id") == null).findFirst()
                .orElseThrow();
        assertThat(header(garbage, AlertService.REASON_HEADER)).isEqualTo("unreadable: unknown magic byte");

        // A restart sends what is new and nothing old.
        int before = receiver.requests().size();
        List<DisruptionEvent> second = story("BY", "telegram");
        produce(second);
        AlertService b = start(config().fromBeginning(true), AlertFilter.all());
        assertThat(b.awaitHandled(second.size(), Duration.ofMinutes(1))).as("handled: %s", b.stats()).isTrue();
        b.close();
        assertThat(b.stats().delivered()).isEqualTo(second.size());
        assertThat(b.stats().alreadyHandled()).isZero();
        assertThat(receiver.requests().subList(before, receiver.requests().size())).extracting(TestReceiver.Request::key)
                .containsExactlyInAnyOrderElementsOf(second.stream().map(DisruptionEvent::getEventId).toList());

        // Offsets lost (reset to the beginning): the ledger alone keeps every old event from being sent again.
        resetOffsets(config().group());
        int beforeReset = receiver.requests().size();
        AlertService c = start(config(), AlertFilter.all());
        assertThat(c.awaitHandled(first.size() + 1 + second.size(), Duration.ofMinutes(1))).as("handled: %s", c.stats()).isTrue();
        c.close();
        assertThat(c.stats().alreadyHandled()).isEqualTo(first.size() + 1 + second.size());
        assertThat(readAll(dlqTopic)).hasSize(2);
        assertThat(c.stats().requests()).isZero();
        assertThat(receiver.requests()).hasSize(beforeReset);
        assertThat(receiver.accepted().values()).containsOnly(1);

        long duplicates = receiver.accepted().values().stream().filter(n -> n > 1).count();
        System.out.printf("AlertServiceIT figures: %d events (+1 aborted, +1 unreadable), %d delivered, %d requests, %d retries, "
                        + "%d dead-lettered, duplicates %d; after restart %d new sent, 0 old; after offset reset 0 sent%n",
                first.size() + second.size(), receiver.accepted().size(), receiver.requests().size(),
                a.stats().retries() + b.stats().retries(), a.stats().deadLettered(), duplicates, b.stats().delivered());
    }

    @Test
    void anEventAnsweredButNotRecordedIsResentAsARedeliveryOrDeadLetteredByChoice() throws Exception {
        broker.createTopics(List.of(eventsTopic), 1, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));
        List<DisruptionEvent> events = story("PK", "x.com");
        produce(events);
        DisruptionEvent crashOn = events.get(2);

        // The process "dies" between the receiver's 2xx and the transaction that records it.
        AlertService a = start(config().fromBeginning(true), AlertFilter.all(), crashAfter(crashOn));
        awaitEnded(a);
        assertThat(failures.get(a).get()).isInstanceOf(SimulatedCrash.class);
        assertThat(receiver.accepted()).containsOnlyKeys(ids(events.subList(0, 3)));

        AlertService b = start(config(), AlertFilter.all());
        assertThat(b.awaitHandled(events.size() - 2, Duration.ofMinutes(1))).as("handled: %s", b.stats()).isTrue();
        assertThat(b.stats().redelivered()).isEqualTo(1);
        List<TestReceiver.Request> resent = receiver.requests().stream().filter(r -> r.key().equals(crashOn.getEventId())).toList();
        assertThat(resent).hasSize(2);
        assertThat(resent.get(1).header("Reachwatch-Redelivery")).isEqualTo("true");
        assertThat(receiver.accepted()).containsOnlyKeys(ids(events));
        assertThat(receiver.accepted().entrySet()).filteredOn(e -> e.getValue() > 1).extracting(Map.Entry::getKey)
                .containsExactly(crashOn.getEventId());
        b.close();

        // Same window, receiver that cannot deduplicate: the unconfirmed event goes to the dead-letter topic instead.
        List<DisruptionEvent> more = story("KE", "telegram");
        DisruptionEvent crashAgain = more.get(1);
        produce(more);
        AlertService c = start(config(), AlertFilter.all(), crashAfter(crashAgain));
        awaitEnded(c);
        int requests = (int) receiver.requests().stream().filter(r -> r.key().equals(crashAgain.getEventId())).count();
        AlertService d = start(config().unconfirmed(AlertService.Unconfirmed.DEAD_LETTER), AlertFilter.all());
        assertThat(d.awaitHandled(more.size() - 1, Duration.ofMinutes(1))).as("handled: %s", d.stats()).isTrue();
        assertThat(receiver.requests().stream().filter(r -> r.key().equals(crashAgain.getEventId()))).hasSize(requests);
        List<ConsumerRecord<byte[], byte[]>> dlq = readAll(dlqTopic);
        assertThat(dlq).hasSize(1);
        assertThat(header(dlq.get(0), "reachwatch.event.id")).isEqualTo(crashAgain.getEventId());
        assertThat(header(dlq.get(0), AlertService.REASON_HEADER)).startsWith("unconfirmed:");
        assertThat(receiver.accepted()).containsOnlyKeys(ids(List.of(events, more).stream().flatMap(List::stream).toList()));
    }

    @Test
    void aNewGroupStartsAtTheEndAndSendsOnlyTheCountriesAndTypesAskedFor() throws Exception {
        broker.createTopics(List.of(eventsTopic), 3, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));
        produce(story("PK", "x.com"));
        AlertFilter filter = AlertFilter.parse(List.of("PK"), List.of("DISRUPTION_STARTED", "REBLOCKED"));
        AlertService a = start(config(), filter);
        assertThat(a.awaitStarted(Duration.ofMinutes(1))).isTrue();
        List<DisruptionEvent> later = story("PK", "youtube.com", "KE", "telegram");
        produce(later);
        assertThat(a.awaitHandled(later.size(), Duration.ofMinutes(1))).as("handled: %s", a.stats()).isTrue();

        assertThat(receiver.accepted()).containsOnlyKeys(ids(later.stream()
                .filter(e -> e.getCountry().equals("PK") && Set.of(EventType.DISRUPTION_STARTED, EventType.REBLOCKED).contains(e.getType()))
                .toList()));
        assertThat(a.stats().filtered()).isEqualTo(later.size() - 2);
    }

    @Test
    void aSecondSenderOfTheSameGroupFencesTheFirst() throws Exception {
        broker.createTopics(List.of(eventsTopic), 3, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));
        AlertService a = start(config().fromBeginning(true), AlertFilter.all());
        assertThat(a.awaitStarted(Duration.ofMinutes(1))).isTrue();
        AlertService b = start(config().fromBeginning(true), AlertFilter.all());
        assertThat(b.awaitStarted(Duration.ofMinutes(1))).isTrue();
        // One event per partition, so the first sender owns at least one of them and must try to record it.
        List<DisruptionEvent> events = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            events.add(Events.event("PK", "site" + p + ".example", EventType.DISRUPTION_STARTED, Events.T0));
        }
        produce(events, true);

        awaitEnded(a);
        assertThat(failures.get(a).get()).isInstanceOf(AlertService.FatalAlertException.class)
                .hasMessageContaining("another alert sender of group " + config().group() + " started");
        assertThat(b.awaitHandled(events.size(), Duration.ofMinutes(2))).as("handled: %s", b.stats()).isTrue();
        assertThat(receiver.accepted()).containsOnlyKeys(ids(events));
        assertThat(receiver.accepted().values()).containsOnly(1);
    }

    // ---------------------------------------------------------------------------------------------

    /** Thrown by the hook to stand for the process dying: not an exception the service recovers from. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash after the receiver's answer");
        }
    }

    private static AlertService.Hooks crashAfter(DisruptionEvent event) {
        return new AlertService.Hooks() {
            @Override
            public void answered(DisruptionEvent e, WebhookSink.Delivery delivery) {
                if (e.getEventId().equals(event.getEventId())) {
                    throw new SimulatedCrash();
                }
            }
        };
    }

    private AlertService.Config config() {
        return AlertService.Config.of(broker.bootstrapServers(), Map.of(), prefix + "alerts")
                .withTopics(eventsTopic, ledgerTopic, dlqTopic);
    }

    private AlertService start(AlertService.Config config, AlertFilter filter) {
        return start(config, filter, AlertService.Hooks.NONE);
    }

    private AlertService start(AlertService.Config config, AlertFilter filter, AlertService.Hooks hooks) {
        WebhookSink sink = new WebhookSink(new WebhookSink.Settings(receiver.url("/hook/secret"), AlertFormat.JSON, Map.of(),
                Duration.ofMillis(500), new Backoff(Duration.ofMillis(50), Duration.ofMillis(400), new Random(3)), 0));
        AlertService service = new AlertService(config, serde.deserializer(), filter, sink);
        service.hooks(hooks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                service.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "alert-service-" + services.size());
        services.add(service);
        failures.put(service, failure);
        threads.add(thread);
        thread.start();
        return service;
    }

    private void awaitEnded(AlertService service) throws InterruptedException {
        Thread thread = threads.get(services.indexOf(service));
        thread.join(TimeUnit.MINUTES.toMillis(2));
        assertThat(thread.isAlive()).as("sender still running: %s", service.stats()).isFalse();
    }

    /** Four lifecycle steps per incident of each (country, target) pair, six for the first. */
    private static List<DisruptionEvent> story(String... countryTargets) {
        List<DisruptionEvent> out = new ArrayList<>();
        for (int i = 0; i < countryTargets.length; i += 2) {
            List<EventType> steps = i == 0 ? STORY : STORY.subList(0, 4);
            for (int s = 0; s < steps.size(); s++) {
                out.add(Events.event(countryTargets[i], countryTargets[i + 1], steps.get(s), Events.T0.plus(Duration.ofHours(6L * s))));
            }
        }
        return out;
    }

    /** The receiver's answers to {@code event}'s requests, in order (-1: held without an answer). */
    private List<Integer> statuses(DisruptionEvent event) {
        return receiver.requests().stream().filter(r -> r.key().equals(event.getEventId())).map(TestReceiver.Request::status).toList();
    }

    private static Set<String> ids(List<DisruptionEvent> events) {
        return events.stream().map(DisruptionEvent::getEventId).collect(Collectors.toSet());
    }

    private void produce(List<DisruptionEvent> events) throws Exception {
        produce(events, false);
    }

    /** As the detector does: one transaction, key = incident id, Avro value, event time as timestamp. */
    private void produce(List<DisruptionEvent> events, boolean partitionByIndex) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = transactional()) {
            producer.beginTransaction();
            for (int i = 0; i < events.size(); i++) {
                DisruptionEvent e = events.get(i);
                producer.send(new ProducerRecord<>(eventsTopic, partitionByIndex ? i % 3 : null, e.getAt().toEpochMilli(),
                        e.getIncidentId().getBytes(StandardCharsets.UTF_8), serde.serializer().serialize(eventsTopic, e)));
            }
            producer.commitTransaction();
        }
    }

    private void produceAborted(DisruptionEvent event) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = transactional()) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(eventsTopic, event.getIncidentId().getBytes(StandardCharsets.UTF_8),
                    serde.serializer().serialize(eventsTopic, event))).get();
            producer.abortTransaction();
        }
    }

    private void produceGarbage() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(eventsTopic, "x".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private KafkaProducer<byte[], byte[]> transactional() {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "detector-" + UUID.randomUUID()),
                new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private void resetOffsets(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                zero.put(new TopicPartition(eventsTopic, p), new OffsetAndMetadata(0));
            }
            admin.alterConsumerGroupOffsets(group, zero).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
