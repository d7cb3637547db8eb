package org.reachwatch.producer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.registry.SchemaRegistryException;
import org.reachwatch.schemas.registry.SchemaRegistryUnavailableException;
import org.reachwatch.schemas.serde.AvroSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes measurements to Kafka without losing any, whether or not the broker is reachable.
 *
 * <p>{@link #publish} appends the measurement to a bounded {@link DiskSpool} (write-ahead) and
 * returns; one sender thread reads the spool in order, sends to the topic keyed by country (so a
 * country's measurements stay in one partition, in order) with the measurement's start time as the
 * producer's record timestamp (kept by a topic with {@code CreateTime}; reachwatch's topics replace it
 * with the broker's append time, and the detector reads event time from the payload:
 * {@code detector-streams/DESIGN.md}, "Time"), and acknowledges the spool only up to the last record
 * the broker confirmed. When a send fails with a
 * retriable error (broker down, {@code delivery.timeout.ms} expired, metadata timeout), the sender
 * backs off and re-sends from the first unconfirmed record, in order, until the broker returns.
 *
 * <p>Delivery is at-least-once: a record whose acknowledgement was lost is sent again, so the topic
 * may hold duplicates; consumers (the detector) deduplicate by {@code measurementId}, which is why
 * duplicates are acceptable on the wire and invisible downstream. The idempotent producer removes
 * the duplicates its own retries would create; those from re-sending after a failure remain.
 *
 * <p>Fatal errors are told apart: a record that can never be sent (too large, not serialisable) is
 * moved to {@code rejected.jsonl} in the spool folder with an error log, counted, and skipped; a
 * fatal producer error (authentication, authorisation, fencing, unsupported broker, the schema
 * registry refusing the credentials) stops the sender,
 * leaves the backlog in the spool for the next start, and makes {@link #publish} throw.
 * When the spool is full, {@link #publish} throws {@link SpoolFullException}: never a silent drop.
 */
public final class MeasurementPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MeasurementPublisher.class);
    private static final int BATCH = 2_000;
    private static final Duration IDLE_WAIT = Duration.ofMillis(200);

    private final Producer<String, ProbeMeasurement> producer;
    private final DiskSpool spool;
    private final String topic;
    private final Duration retryBackoff;
    private final Thread sender;
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>("");
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong resends = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong retriableFailures = new AtomicLong();
    private volatile boolean running = true;
    private boolean closed;
    private volatile boolean brokerHealthy = true;

    /**
     * @param producer     the Kafka producer (injected; see {@link #producerConfig} for the settings it needs)
     * @param spool        the write-ahead spool; records left in it by a previous run are sent first
     * @param topic        destination topic
     * @param retryBackoff pause before re-sending after a retriable failure
     */
    public MeasurementPublisher(Producer<String, ProbeMeasurement> producer, DiskSpool spool, String topic,
                                Duration retryBackoff) {
        this.producer = producer;
        this.spool = spool;
        this.topic = topic;
        this.retryBackoff = retryBackoff;
        this.sender = new Thread(this::sendLoop, "measurement-publisher-" + topic);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** A publisher over a real {@link KafkaProducer} writing Avro through the project's serde. */
    public static MeasurementPublisher create(String bootstrapServers, String schemaRegistryUrl, DiskSpool spool) {
        return create(bootstrapServers, Map.of(), schemaRegistryUrl, spool);
    }

    /** As {@link #create(String, String, DiskSpool)}, the producer also taking {@code clientConfig} (see {@link #producerConfig(String, Map)}). */
    public static MeasurementPublisher create(String bootstrapServers, Map<String, ?> clientConfig, String schemaRegistryUrl,
                                              DiskSpool spool) {
        Properties props = producerConfig(bootstrapServers, clientConfig);
        KafkaProducer<String, ProbeMeasurement> producer = new KafkaProducer<>(props, new StringSerializer(),
                AvroSerde.specific(ProbeMeasurement.class, schemaRegistryUrl, false).serializer());
        return new MeasurementPublisher(producer, spool, TopicNames.MEASUREMENTS, Duration.ofSeconds(1));
    }

    /** Producer settings for lossless, ordered delivery; a new object each call. */
    public static Properties producerConfig(String bootstrapServers) {
        return producerConfig(bootstrapServers, Map.of());
    }

    /**
     * As {@link #producerConfig(String)} with Kafka client settings (security, tuning) applied over the
     * defaults; those that are not producer settings are left out.
     *
     * @throws IllegalArgumentException when {@code clientConfig} contradicts lossless delivery
     *                                  ({@code acks} other than all, idempotence off)
     */
    public static Properties producerConfig(String bootstrapServers, Map<String, ?> clientConfig) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // Stated although they are the client defaults: they are this class's contract (no loss, no
        // reordering or duplicates from the producer's own retries), and a default can change.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Give up on a batch after 30 s instead of 2 min: the spool keeps the data anyway, and an
        // early failure lets the sender notice the outage and back off instead of queueing blindly.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        // Must stay <= delivery.timeout.ms - linger.ms; 10 s detects a dead broker sooner than 30 s.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        // send() blocks this long for metadata when no broker answers (default 60 s); the sender
        // thread should see the outage quickly and keep the spool as the only queue.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        // Measured on a 2-core machine: linger 20 ms + 256 KiB batches + lz4 doubles throughput over the
        // client defaults; 20 ms of extra latency is nothing next to detection windows of minutes.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        clientConfig.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k) && !k.equals(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                p.put(k, v);
            }
        });
        String acks = p.get(ProducerConfig.ACKS_CONFIG).toString().trim();
        if (!acks.equals("all") && !acks.equals("-1")) {
            throw new IllegalArgumentException("acks=" + acks + " contradicts lossless delivery: measurements are sent with acks=all");
        }
        if (!Boolean.parseBoolean(p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG).toString().trim())) {
            throw new IllegalArgumentException("enable.idempotence=false contradicts ordered delivery: measurements are sent idempotently");
        }
        return p;
    }

    /** The record key: the country, so a country's measurements reach the detector task that keeps its state. */
    public static String key(ProbeMeasurement m) {
        return TopicNames.partitionKey(m.getCountry());
    }

    /**
     * Accepts {@code m} for delivery: once this returns, the measurement is in the spool and will
     * reach the topic (at least once) even if the broker is down now.
     *
     * @throws SpoolFullException    when the spool is full; the measurement was not accepted
     * @throws IllegalStateException when the publisher stopped on a fatal producer error, or is closed
     */
    public void publish(ProbeMeasurement m) {
        Throwable f = fatal.get();
        if (f != null) {
            throw new IllegalStateException("publisher stopped on a fatal Kafka error: " + f, f);
        }
        if (!running) {
            throw new IllegalStateException("publisher is closed");
        }
        spool.append(m);
    }

    private void sendLoop() {
        while (running) {
            try {
                List<DiskSpool.Entry> batch = spool.read(BATCH, IDLE_WAIT);
                if (batch.isEmpty()) {
                    continue;
                }
                if (!sendBatch(batch)) {
                    retriableFailures.incrementAndGet();
                    if (brokerHealthy) {
                        brokerHealthy = false;
                        log.warn("Kafka unreachable for {} ({}): measurements are kept in the spool ({} bytes) and "
                                + "re-sent in order when it returns", topic, lastFailure.get(), spool.pendingBytes());
                    }
                    Thread.sleep(retryBackoff.toMillis());
                } else if (!brokerHealthy) {
                    brokerHealthy = true;
                    log.info("Kafka reachable again for {}: draining the spool ({} bytes)", topic, spool.pendingBytes());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (isFatal(e)) {
                    fatal.set(e);
                    running = false;
                    log.error("fatal Kafka error, publisher stopped; {} bytes stay in the spool for the next start",
                            spool.pendingBytes(), e);
                    return;
                }
                log.warn("unexpected error in the publisher, retrying: {}", e.toString());
                sleepQuietly();
            }
        }
    }

    /**
     * Sends {@code batch} in order and acknowledges the confirmed prefix.
     *
     * @return false when a retriable failure stopped the batch (the rest will be re-sent)
     */
    private boolean sendBatch(List<DiskSpool.Entry> batch) {
        List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
        boolean sendFailed = false;
        for (DiskSpool.Entry e : batch) {
            ProbeMeasurement m = e.measurement();
            try {
                Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, null, m.getStartTime().toEpochMilli(), key(m), m));
                futures.add(f);
                if (f.isDone() && failedAtOnce(f)) {
                    // send() reports a metadata timeout (broker down) as an already-failed future after
                    // blocking max.block.ms; sending the rest would block that long for each record
                    break;
                }
            } catch (SerializationException | RecordTooLargeException ex) {
                if (isFatal(ex)) {
                    throw ex;
                }
                if (isRegistryOutage(ex)) {
                    lastFailure.set(ex.toString());
                    sendFailed = true;
                    break;
                }
                futures.add(java.util.concurrent.CompletableFuture.failedFuture(ex));
            } catch (KafkaException ex) {
                if (isFatal(ex)) {
                    throw ex;
                }
                // metadata timeout (broker down) and other retriable errors: stop here, keep order
                lastFailure.set(ex.toString());
                sendFailed = true;
                break;
            }
        }
        producer.flush();
        DiskSpool.Position confirmed = null;
        for (int i = 0; i < futures.size(); i++) {
            try {
                futures.get(i).get();
                confirmed = batch.get(i).next();
                sent.incrementAndGet();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                sendFailed = true;
                break;
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause();
                if ((cause instanceof SerializationException && !isRegistryOutage(cause))
                        || cause instanceof RecordTooLargeException) {
                    reject(batch.get(i).measurement(), cause);
                    confirmed = batch.get(i).next();
                    continue;
                }
                if (isFatal(cause)) {
                    if (confirmed != null) {
                        spool.acknowledge(confirmed);
                    }
                    throw cause instanceof RuntimeException r ? r : new KafkaException(cause);
                }
                lastFailure.set(cause.toString());
                sendFailed = true;
                resends.addAndGet(futures.size() - i);
                break;
            }
        }
        if (confirmed != null) {
            spool.acknowledge(confirmed);
        }
        return !sendFailed;
    }

    private static boolean failedAtOnce(Future<RecordMetadata> f) {
        try {
            f.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** A serialisation failure that a retry can fix: the registry could not be reached, timed out or had a server error. */
    static boolean isRegistryOutage(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Errors no retry can fix for this producer: wrong credentials or rights, a fenced or
     * incompatible producer, a bad topic. Everything else is retried (re-sent from the spool):
     * an unknown error costs a delay, never a measurement.
     */
    static boolean isFatal(Throwable t) {
        return t instanceof AuthenticationException || t instanceof AuthorizationException
                || t instanceof ProducerFencedException || t instanceof UnsupportedVersionException
                || t instanceof InvalidTopicException || t instanceof IllegalStateException || registryRefused(t);
    }

    /** The schema registry refused our credentials (401/403): like a Kafka authentication failure, no retry fixes it. */
    private static boolean registryRefused(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException sre && (sre.errorCode() == SchemaRegistryException.UNAUTHORIZED
                    || sre.errorCode() == SchemaRegistryException.FORBIDDEN)) {
                return true;
            }
        }
        return false;
    }

    private void reject(ProbeMeasurement m, Throwable cause) {
        rejected.incrementAndGet();
        log.error("measurement {} can never be sent ({}); moved to {}", m.getMeasurementId(), cause.toString(),
                spool.directory().resolve("rejected.jsonl"));
        RejectedFile.append(spool.directory(), m, cause);
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(retryBackoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every accepted measurement has been confirmed by the broker, or {@code timeout}.
     *
     * @return true when the spool is empty
     */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (spool.pendingBytes() > 0) {
            if (System.nanoTime() > deadline || fatal.get() != null) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Counters: records confirmed, re-sent after failures, rejected as unsendable, retriable failures, spool refusals. */
    public Map<String, Long> metrics() {
        return Map.of("sent", sent.get(), "resent", resends.get(), "rejected", rejected.get(),
                "retriableFailures", retriableFailures.get(), "spoolRefused", spool.refused(),
                "spoolPendingBytes", spool.pendingBytes());
    }

    /** True while the last send round succeeded. */
    public boolean brokerHealthy() {
        return brokerHealthy;
    }

    /**
     * Stops sending after giving the backlog up to {@code drainTimeout} to go out; what is left stays
     * in the spool for the next start. Closes the producer and the spool.
     */
    public synchronized void close(Duration drainTimeout) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            awaitDelivered(drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        // no interrupt: an interrupted FileChannel closes itself, which would break the spool
        try {
            sender.join(retryBackoff.toMillis() + 1_000);
            if (sender.isAlive()) {
                // blocked in flush() with the broker away: abort the in-flight batches, they stay in the spool
                producer.close(Duration.ZERO);
                sender.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        spool.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
