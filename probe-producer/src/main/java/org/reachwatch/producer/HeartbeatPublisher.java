package org.reachwatch.producer;

import java.time.Duration;
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
 * would hide the very silence (a shutdown) it exists to reveal. Failed sends are counted and logged
 * once per outage.
 */
public final class HeartbeatPublisher implements Consumer<ProbeHeartbeat>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatPublisher.class);

    private final Producer<String, ProbeHeartbeat> producer;
    private final String topic;
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean failing;

    public HeartbeatPublisher(Producer<String, ProbeHeartbeat> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
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

    @Override
    public void accept(ProbeHeartbeat hb) {
        String key = hb.getCountry() + "|" + hb.getAsn();
        try {
            producer.send(new ProducerRecord<>(topic, null, hb.getSentAt().toEpochMilli(), key, hb), (md, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    if (!failing) {
                        failing = true;
                        log.warn("heartbeat not delivered to {} ({}); heartbeats are not spooled", topic, e.toString());
                    }
                } else {
                    failing = false;
                }
            });
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            log.warn("heartbeat not sent to {}: {}", topic, e.toString());
        }
    }

    public long failed() {
        return failed.get();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
