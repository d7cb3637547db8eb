package org.reachwatch.alerts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.reachwatch.schemas.serde.InvalidRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every disruption event of {@code disruption.events} (committed records only) that passes an
 * {@link AlertFilter} to a {@link WebhookSink}, once per event id, across restarts.
 *
 * <h2>How "once" is kept</h2>
 * An alert <em>group</em> (a Kafka consumer group; by default one per webhook URL, see
 * {@link #defaultGroup}) is one subscription. Its progress lives in two places written together by
 * Kafka transactions (transactional id {@code reachwatch-alerts-<group>}): the group's committed
 * offsets and a compacted ledger topic ({@link DeliveryLedger}, {@code alerts.delivered}). For each event:
 * <ol>
 *   <li>ledger says DELIVERED or DEAD_LETTERED: skipped (also when offsets were lost or reset);</li>
 *   <li>otherwise transaction 1 records SENDING (with the offsets of the events skipped before it);</li>
 *   <li>the sink POSTs, retrying until a 2xx or a permanent rejection; meanwhile the consumer keeps
 *       polling with its partitions paused, so a long outage of the receiver does not cost the group;</li>
 *   <li>transaction 2 records DELIVERED and commits the event's offset; or, after a rejection, writes the
 *       event to the dead-letter topic with the reason in headers, records DEAD_LETTERED and commits the
 *       offset.</li>
 * </ol>
 * The one window left: the process dies (or loses Kafka for good) after the receiver's 2xx and before
 * transaction 2 commits, milliseconds. The next start finds SENDING and, by {@link Unconfirmed}, either
 * sends the event again with the same {@code Idempotency-Key} and {@code Reachwatch-Redelivery: true}
 * (the default: an alert is never lost) or dead-letters it with reason "unconfirmed" (never twice,
 * possibly never). No HTTP sender can close that window without the receiver's help: a webhook cannot
 * take part in a Kafka transaction.
 *
 * <h2>One sender per group</h2>
 * Starting a sender fences any earlier one with the same group (same transactional id): the earlier one
 * fails at its next step with a message saying so and sends nothing more. The ledger is read whole at
 * start and kept in memory: a few hundred bytes per event id.
 *
 * <h2>A new group</h2>
 * Starts at the end of the events topic (events already there are not sent), unless {@code fromBeginning}.
 * A group with ledger records but no offsets (expired after {@code offsets.retention.minutes}, or reset)
 * re-reads from the beginning and the ledger skips what it already sent.
 */
public final class AlertService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);
    static final String REASON_HEADER = "reachwatch.reason";

    /** What to do, at a start, with an event an earlier sender may have delivered (see the class comment). */
    public enum Unconfirmed {
        /** Send it again, with {@code Reachwatch-Redelivery: true} and the same Idempotency-Key: never lost. */
        RESEND,
        /** Send it to the dead-letter topic with reason "unconfirmed": never twice, possibly never. */
        DEAD_LETTER
    }

    /** Where to read and write, and how to start. */
    public record Config(String bootstrapServers, Map<String, Object> client, String group, String eventsTopic,
                         String deliveredTopic, String deadLetterTopic, boolean fromBeginning, Unconfirmed unconfirmed,
                         Duration kafkaTimeout) {
        public Config {
            client = Map.copyOf(client);
        }

        /** Default topics, a new group starting at the end, unconfirmed events resent. */
        public static Config of(String bootstrapServers, Map<String, ?> client, String group) {
            return new Config(bootstrapServers, Map.copyOf(client), group, TopicNames.EVENTS, TopicNames.ALERTS_DELIVERED,
                    TopicNames.ALERTS_DEAD_LETTER, false, Unconfirmed.RESEND, Duration.ofSeconds(60));
        }

        public Config withTopics(String events, String delivered, String deadLetter) {
            return new Config(bootstrapServers, client, group, events, delivered, deadLetter, fromBeginning, unconfirmed, kafkaTimeout);
        }

        public Config fromBeginning(boolean fromBeginning) {
            return new Config(bootstrapServers, client, group, eventsTopic, deliveredTopic, deadLetterTopic, fromBeginning,
                    unconfirmed, kafkaTimeout);
        }

        public Config unconfirmed(Unconfirmed unconfirmed) {
            return new Config(bootstrapServers, client, group, eventsTopic, deliveredTopic, deadLetterTopic, fromBeginning,
                    unconfirmed, kafkaTimeout);
        }

        /** The transactional id that makes this group's sender unique. */
        public String transactionalId() {
            return "reachwatch-alerts-" + group;
        }
    }

    /**
     * Counters since this service was made: events delivered, requests sent and how many were retries,
     * events dead-lettered (rejected, given up, unconfirmed or unreadable), skipped by the filter,
     * skipped because the ledger had them, and sent again as possible duplicates.
     */
    public record Stats(long delivered, long requests, long retries, long deadLettered, long filtered, long alreadyHandled,
                        long redelivered) {
        /** Events finished one way or another. */
        public long handled() {
            return delivered + deadLettered + filtered + alreadyHandled;
        }

        @Override
        public String toString() {
            return String.format("%d delivered, %d requests (%d retries), %d dead-lettered, %d filtered out, "
                    + "%d already handled, %d resent as possible duplicates", delivered, requests, retries, deadLettered,
                    filtered, alreadyHandled, redelivered);
        }
    }

    /** Test seam: called between the receiver's answer and the transaction that records it. */
    interface Hooks {
        Hooks NONE = new Hooks() {
        };

        default void answered(DisruptionEvent event, WebhookSink.Delivery delivery) {
        }
    }

    /** The sender cannot go on: fenced by a newer sender of its group, or refused by Kafka's security. */
    public static final class FatalAlertException extends KafkaException {
        FatalAlertException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Config config;
    private final Deserializer<DisruptionEvent> deserializer;
    private final AlertFilter filter;
    private final WebhookSink sink;
    private final Backoff sessionBackoff;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong filtered = new AtomicLong();
    private final AtomicLong alreadyHandled = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object progress = new Object();
    private volatile boolean stopping;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Hooks hooks = Hooks.NONE;

    public AlertService(Config config, Deserializer<DisruptionEvent> deserializer, AlertFilter filter, WebhookSink sink) {
        this.config = config;
        this.deserializer = deserializer;
        this.filter = filter;
        this.sink = sink;
        this.sessionBackoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    /** {@code reachwatch-alerts-} and the first 10 hex digits of the URL's SHA-256: one subscription per receiver. */
    public static String defaultGroup(String webhookUrl) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(webhookUrl.trim().getBytes(StandardCharsets.UTF_8));
            return "reachwatch-alerts-" + HexFormat.of().formatHex(digest).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void hooks(Hooks hooks) {
        this.hooks = hooks;
    }

    public Config config() {
        return config;
    }

    public Stats stats() {
        return new Stats(delivered.get(), sink.requests(), sink.retries(), deadLettered.get(), filtered.get(), alreadyHandled.get(),
                redelivered.get());
    }

    /** Waits until the service reads events (its ledger loaded, its start offsets set); false on timeout. */
    public boolean awaitStarted(Duration timeout) throws InterruptedException {
        return started.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until {@link Stats#handled()} reaches {@code count}; false on timeout. */
    public boolean awaitHandled(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (stats().handled() < count) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                progress.wait(Math.min(left, 200));
            }
        }
        return true;
    }

    /**
     * Runs until {@link #close()}: sessions (clients, ledger, loop) one after another, a failed one
     * replaced after a backoff, as a restarted process would.
     *
     * @throws FatalAlertException when fenced by a newer sender of the group or refused by Kafka's security
     */
    public void run() {
        try {
            int failures = 0;
            while (!stopping) {
                try {
                    session();
                    failures = 0;
                } catch (FatalAlertException e) {
                    throw e;
                } catch (AuthenticationException | AuthorizationException e) {
                    throw new FatalAlertException("Kafka refused the alert sender: " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    if (stopping) {
                        return;
                    }
                    failures++;
                    Duration wait = sessionBackoff.delay(failures);
                    LOG.warn("alert sender (group {}) failed: {}; starting again in {} ms (an event sent but not yet recorded "
                            + "is handled as unconfirmed)", config.group(), e.toString(), wait.toMillis());
                    synchronized (progress) {
                        try {
                            progress.wait(wait.toMillis());
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Asks {@link #run()} to stop (an event being retried stays unfinished) and waits up to 30 s for it. */
    @Override
    public void close() {
        stopping = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (progress) {
            progress.notifyAll();
        }
        try {
            stopped.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean stopping() {
        return stopping;
    }

    private void session() throws InterruptedException {
        ensureTopics();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(),
                new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> ledgerReader = new KafkaConsumer<>(consumerConfig(null), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer());
             KafkaConsumer<byte[], byte[]> events = new KafkaConsumer<>(consumerConfig(config.group()), new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            // Fences any earlier sender of this group and aborts its open transaction, so the ledger read next is final.
            fenceable(producer::initTransactions);
            DeliveryLedger ledger = DeliveryLedger.load(ledgerReader, config.deliveredTopic(), config.group(), config.kafkaTimeout());
            setStartOffsets(ledger);
            consumer = events;
            if (stopping) {
                return;
            }
            new Session(producer, events, ledger).run();
        } catch (WakeupException e) {
            if (!stopping) {
                throw e;
            }
        } finally {
            consumer = null;
        }
    }

    /** The loop of one session: one consumer, one transactional producer, the ledger. */
    private final class Session implements ConsumerRebalanceListener {
        private final KafkaProducer<byte[], byte[]> producer;
        private final KafkaConsumer<byte[], byte[]> events;
        private final DeliveryLedger ledger;
        /** Next offset to handle per partition, as far as this session got. */
        private final Map<TopicPartition, Long> next = new HashMap<>();
        /** Offsets of records finished without a transaction (filtered, skipped), to commit with the next one. */
        private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
        private volatile boolean rebalanced;

        Session(KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> events, DeliveryLedger ledger) {
            this.producer = producer;
            this.events = events;
            this.ledger = ledger;
        }

        void run() throws InterruptedException {
            events.subscribe(List.of(config.eventsTopic()), this);
            LOG.info("alert sender (group {}) reading {} for {} -> {}", config.group(), config.eventsTopic(), filter.describe(),
                    sink.describe());
            started.countDown();
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> records = events.poll(Duration.ofMillis(500));
                batch(records);
                if (!pending.isEmpty() && !stopping) {
                    transaction(List.of(), Map.copyOf(pending));
                    pending.clear();
                }
            }
        }

        private void batch(ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
            for (TopicPartition tp : records.partitions()) {
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    if (stopping) {
                        return;
                    }
                    if (rebalanced) {
                        rewind();
                        return;
                    }
                    handle(r);
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                }
            }
        }

        /** After a rebalance: partitions still ours resume where this session got, the rest from their committed offsets. */
        private void rewind() {
            rebalanced = false;
            Set<TopicPartition> owned = events.assignment();
            next.forEach((tp, offset) -> {
                if (owned.contains(tp)) {
                    events.seek(tp, offset);
                }
            });
            next.keySet().retainAll(owned);
            pending.keySet().retainAll(owned);
        }

        private void handle(ConsumerRecord<byte[], byte[]> r) throws InterruptedException {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            Map<TopicPartition, OffsetAndMetadata> through = Map.of(tp, new OffsetAndMetadata(r.offset() + 1));
            // An unreadable record has no event id: the ledger knows it by its place in the topic.
            String place = "@" + r.topic() + "/" + r.partition() + "/" + r.offset();
            if (ledger.state(place) != null) {
                alreadyHandled.incrementAndGet();
                done(tp, r, false);
                return;
            }
            DisruptionEvent event;
            try {
                event = read(r);
            } catch (SerializationException e) {
                String reason = e instanceof InvalidRecordException invalid ? "unreadable: " + invalid.reason().phrase()
                        : "unreadable: " + e.getMessage();
                transaction(List.of(deadLetter(r, null, reason, -1, 0),
                        ledger.record(place, DeliveryLedger.State.DEAD_LETTERED, -1, 0, sink.describe())), withPending(through));
                ledger.recorded(place, DeliveryLedger.State.DEAD_LETTERED);
                deadLettered.incrementAndGet();
                done(tp, r, true);
                return;
            }
            if (event == null || !filter.accepts(event)) {
                filtered.incrementAndGet();
                done(tp, r, false);
                return;
            }
            String id = event.getEventId();
            DeliveryLedger.State state = ledger.state(id);
            if (state == DeliveryLedger.State.DELIVERED || state == DeliveryLedger.State.DEAD_LETTERED) {
                alreadyHandled.incrementAndGet();
                done(tp, r, false);
                return;
            }
            boolean unconfirmed = state == DeliveryLedger.State.SENDING;
            if (unconfirmed && config.unconfirmed() == Unconfirmed.DEAD_LETTER) {
                String reason = "unconfirmed: an earlier alert sender sent it and stopped before recording the answer";
                transaction(List.of(deadLetter(r, event, reason, -1, 0),
                        ledger.record(id, DeliveryLedger.State.DEAD_LETTERED, -1, 0, sink.describe())), withPending(through));
                ledger.recorded(id, DeliveryLedger.State.DEAD_LETTERED);
                deadLettered.incrementAndGet();
                done(tp, r, true);
                return;
            }
            if (!unconfirmed) {
                transaction(List.of(ledger.record(id, DeliveryLedger.State.SENDING, -1, 0, sink.describe())), Map.copyOf(pending));
                pending.clear();
                ledger.recorded(id, DeliveryLedger.State.SENDING);
            }
            WebhookSink.Delivery delivery = sink.deliver(event, unconfirmed, this::pausedWait);
            if (delivery.outcome() == WebhookSink.Outcome.STOPPED) {
                return;
            }
            hooks.answered(event, delivery);
            if (delivery.outcome() == WebhookSink.Outcome.DELIVERED) {
                transaction(List.of(ledger.record(id, DeliveryLedger.State.DELIVERED, delivery.status(), delivery.attempts(),
                        sink.describe())), withPending(through));
                ledger.recorded(id, DeliveryLedger.State.DELIVERED);
                delivered.incrementAndGet();
                if (unconfirmed) {
                    redelivered.incrementAndGet();
                }
            } else {
                transaction(List.of(deadLetter(r, event, delivery.reason(), delivery.status(), delivery.attempts()),
                        ledger.record(id, DeliveryLedger.State.DEAD_LETTERED, delivery.status(), delivery.attempts(),
                                sink.describe())), withPending(through));
                ledger.recorded(id, DeliveryLedger.State.DEAD_LETTERED);
                deadLettered.incrementAndGet();
            }
            done(tp, r, true);
        }

        /** The value as an event; holds (waiting with backoff) while the Schema Registry does not answer. */
        private DisruptionEvent read(ConsumerRecord<byte[], byte[]> r) throws InterruptedException {
            for (int attempt = 1; ; attempt++) {
                try {
                    return r.value() == null ? null : deserializer.deserialize(r.topic(), r.headers(), r.value());
                } catch (SchemaRegistryUnavailableException e) {
                    Duration wait = sessionBackoff.delay(attempt);
                    LOG.warn("alert sender: the Schema Registry does not answer ({}); retrying in {} ms", e.getMessage(), wait.toMillis());
                    if (!pausedWait(wait)) {
                        throw new WakeupException();
                    }
                }
            }
        }

        private void done(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, boolean committed) {
            next.put(tp, r.offset() + 1);
            if (committed) {
                pending.remove(tp);
            } else {
                pending.put(tp, new OffsetAndMetadata(r.offset() + 1));
            }
        }

        private Map<TopicPartition, OffsetAndMetadata> withPending(Map<TopicPartition, OffsetAndMetadata> through) {
            Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>(pending);
            all.putAll(through);
            pending.clear();
            return all;
        }

        /**
         * Waits {@code delay} while keeping the group membership: polls with every partition paused, and
         * puts back (seeks to) anything a poll returns anyway, e.g. from a partition assigned meanwhile.
         */
        private boolean pausedWait(Duration delay) {
            long deadline = System.nanoTime() + delay.toNanos();
            try {
                while (!stopping) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) {
                        return true;
                    }
                    events.pause(events.assignment());
                    ConsumerRecords<byte[], byte[]> got = events.poll(Duration.ofMillis(Math.min(left, 500)));
                    for (TopicPartition tp : got.partitions()) {
                        events.seek(tp, got.records(tp).get(0).offset());
                    }
                }
                return false;
            } catch (WakeupException e) {
                return false;
            } finally {
                if (!stopping) {
                    events.resume(events.assignment());
                }
            }
        }

        private void transaction(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (records.isEmpty() && offsets.isEmpty()) {
                return;
            }
            fenceable(() -> {
                producer.beginTransaction();
                try {
                    for (ProducerRecord<byte[], byte[]> record : records) {
                        producer.send(record);
                    }
                    if (!offsets.isEmpty()) {
                        producer.sendOffsetsToTransaction(offsets, events.groupMetadata());
                    }
                    producer.commitTransaction();
                } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                         | AuthorizationException | AuthenticationException e) {
                    throw e;
                } catch (KafkaException e) {
                    try {
                        producer.abortTransaction();
                    } catch (KafkaException abortFailed) {
                        // The next session's initTransactions settles it; the first error is the one to report.
                        e.addSuppressed(abortFailed);
                    }
                    throw e;
                }
            });
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                rebalanced = true;
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            rebalanced = true;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    }

    private void fenceable(Runnable action) {
        try {
            action.run();
        } catch (KafkaException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                    throw new FatalAlertException("another alert sender of group " + config.group() + " started (transactional id "
                            + config.transactionalId() + "); this one stops", e);
                }
            }
            throw e;
        }
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, DisruptionEvent event, String reason,
                                                      int status, int attempts) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON_HEADER, utf8(reason));
        headers.add("reachwatch.source.topic", utf8(r.topic()));
        headers.add("reachwatch.source.partition", utf8(Integer.toString(r.partition())));
        headers.add("reachwatch.source.offset", utf8(Long.toString(r.offset())));
        headers.add("reachwatch.alert.group", utf8(config.group()));
        headers.add("reachwatch.webhook", utf8(sink.describe()));
        if (event != null) {
            headers.add("reachwatch.event.id", utf8(event.getEventId()));
        }
        if (status >= 0) {
            headers.add("reachwatch.http.status", utf8(Integer.toString(status)));
        }
        if (attempts > 0) {
            headers.add("reachwatch.attempts", utf8(Integer.toString(attempts)));
        }
        return new ProducerRecord<>(config.deadLetterTopic(), null, r.key(), r.value(), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Creates the ledger (compacted) and the dead-letter topic (30 days) when missing, one partition each. */
    private void ensureTopics() {
        try (Admin admin = Admin.create(adminConfig())) {
            List<NewTopic> wanted = List.of(
                    new NewTopic(config.deliveredTopic(), Optional.of(1), Optional.empty())
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic(config.deadLetterTopic(), Optional.of(1), Optional.empty())
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()))));
            for (var e : admin.createTopics(wanted).values().entrySet()) {
                try {
                    e.getValue().get(config.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    LOG.info("created topic {}", e.getKey());
                } catch (ExecutionException ex) {
                    if (ex.getCause() instanceof TopicExistsException) {
                        continue;
                    }
                    if (ex.getCause() instanceof AuthorizationException) {
                        // An operator may have created them; if not, loading the ledger says so.
                        LOG.warn("not allowed to create topic {}: {}", e.getKey(), ex.getCause().getMessage());
                        continue;
                    }
                    throw new KafkaException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(), ex.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KafkaException("Kafka at " + config.bootstrapServers() + " did not answer within " + config.kafkaTimeout(), e);
        }
    }

    /** A new group (no offsets, nothing in the ledger) starts at the events topic's end unless {@code fromBeginning}. */
    private void setStartOffsets(DeliveryLedger ledger) {
        if (config.fromBeginning() || !ledger.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(adminConfig())) {
            long timeout = config.kafkaTimeout().toMillis();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.group())
                    .partitionsToOffsetAndMetadata().get(timeout, TimeUnit.MILLISECONDS);
            if (committed.keySet().stream().anyMatch(tp -> tp.topic().equals(config.eventsTopic()))) {
                return;
            }
            TopicDescription topic;
            try {
                topic = admin.describeTopics(List.of(config.eventsTopic())).allTopicNames().get(timeout, TimeUnit.MILLISECONDS)
                        .get(config.eventsTopic());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    return;
                }
                throw e;
            }
            Map<TopicPartition, OffsetSpec> latest = topic.partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(config.eventsTopic(), p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(timeout, TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> ends.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(config.group(), ends).all().get(timeout, TimeUnit.MILLISECONDS);
            long skipped = ends.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            if (skipped > 0) {
                LOG.info("new alert group {} starts at the end of {}: the {} records already there are not sent", config.group(),
                        config.eventsTopic(), skipped);
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof KafkaException k ? k : new KafkaException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while setting the start offsets", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new KafkaException("Kafka at " + config.bootstrapServers() + " did not answer within " + config.kafkaTimeout(), e);
        }
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = only(ProducerConfig.configNames());
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        return c;
    }

    /** A consumer of committed records only, in {@code group} (or none), offsets committed only by transactions. */
    private Map<String, Object> consumerConfig(String group) {
        Map<String, Object> c = only(ConsumerConfig.configNames());
        c.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (group != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        } else {
            c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        }
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        return c;
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> c = only(AdminClientConfig.configNames());
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.kafkaTimeout().toMillis());
        return c;
    }

    private Map<String, Object> only(Set<String> names) {
        Map<String, Object> c = new HashMap<>();
        config.client().forEach((k, v) -> {
            if (names.contains(k)) {
                c.put(k, v);
            }
        });
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return c;
    }
}
