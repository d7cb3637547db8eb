package org.reachwatch.producer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.reachwatch.avro.ProbeHeartbeat;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends heartbeats to {@code probe.heartbeats}, keyed {@code "country|asn"}, best effort: unlike
 * measurements they are not spooled, because a heartbeat means "alive now" and delivering it late
 * would hide the very silence (a shutdown) it exists to reveal.
 *
 * <p>{@link #accept} never blocks: it hands the heartbeat to a sender thread through a queue of
 * {@link #QUEUE} and returns, so a probe round keeps its pace while Kafka is away (a send can block
 * for {@code max.block.ms} waiting for metadata, and the serializer for the registry). When the
 * queue is full the oldest waiting heartbeat is dropped: the newest says the most. Drops and failed
 * sends are counted and logged once per outage.
 */
public final class HeartbeatPublisher implements Consumer<ProbeHeartbeat>, AutoCloseable {
    /** Heartbeats waiting to be sent at most; older ones are dropped first. */
    public static final int QUEUE = 8;
    private static final Logger log = LoggerFactory.getLogger(HeartbeatPublisher.class);

    private final Producer<String, ProbeHeartbeat> producer;
    private final String topic;
    private final ArrayDeque<ProbeHeartbeat> queue = new ArrayDeque<>();
    private final Thread sender;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean failing;
    private boolean closed;

    public HeartbeatPublisher(Producer<String, ProbeHeartbeat> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
        this.sender = new Thread(this::sendLoop, "heartbeat-publisher-" + topic);
        this.sender.setDaemon(true);
        this.sender.start();
    }

    public static HeartbeatPublisher create(String bootstrapServers, String schemaRegistryUrl) {
        return create(bootstrapServers, java.util.Map.of(), schemaRegistryUrl);
    }

    /** As {@link #create(String, String)}, the producer taking {@code clientConfig} (security, tuning). */
    public static HeartbeatPublisher create(String bootstrapServers, java.util.Map<String, ?> clientConfig, String schemaRegistryUrl) {
        Properties props = MeasurementPublisher.producerConfig(bootstrapServers, clientConfig);
        return new HeartbeatPublisher(new KafkaProducer<>(props, new StringSerializer(),
                AvroSerde.specific(ProbeHeartbeat.class, schemaRegistryUrl, false).serializer()), TopicNames.HEARTBEATS);
    }

    /** Queues {@code hb} for sending and returns at once. */
    @Override
    public void accept(ProbeHeartbeat hb) {
        synchronized (queue) {
            if (closed) {
                failed.incrementAndGet();
                return;
            }
            if (queue.size() >= QUEUE) {
                queue.pollFirst();
                if (dropped.incrementAndGet() == 1 || !failing) {
                    log.warn("heartbeats are not going out fast enough (Kafka away?): dropping the oldest waiting one");
                }
            }
            queue.addLast(hb);
            queue.notifyAll();
        }
    }

    private void sendLoop() {
        while (true) {
            ProbeHeartbeat hb;
            synchronized (queue) {
                while (queue.isEmpty() && !closed) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queue.isEmpty()) {
                    return;
                }
                hb = queue.pollFirst();
            }
            send(hb);
        }
    }

    private void send(ProbeHeartbeat hb) {
        String key = TopicNames.partitionKey(hb.getCountry());
        try {
            producer.send(new ProducerRecord<>(topic, null, hb.getSentAt().toEpochMilli(), key, hb), (md, e) -> {
                if (e != null) {
                    failed(e);
                } else {
                    sent.incrementAndGet();
                    if (failing) {
                        failing = false;
                        log.info("heartbeats reach {} again", topic);
                    }
                }
            });
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        failed.incrementAndGet();
        if (!failing) {
            failing = true;
            log.warn("heartbeat not delivered to {} ({}); heartbeats are not spooled", topic, e.toString());
        }
    }

    /** Heartbeats the broker confirmed. */
    public long sent() {
        return sent.get();
    }

    /** Heartbeats whose send failed. */
    public long failed() {
        return failed.get();
    }

    /** Heartbeats dropped unsent because newer ones were waiting behind them. */
    public long dropped() {
        return dropped.get();
    }

    /** Sends what is queued (up to a few seconds), then stops. */
    @Override
    public void close() {
        synchronized (queue) {
            closed = true;
            queue.notifyAll();
        }
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
