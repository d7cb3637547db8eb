package org.reachwatch.alerts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one alert group has done with each event id, kept in a compacted topic
 * ({@code alerts.delivered}): one record per (group, event id), its latest state. Written only inside
 * the alert sender's Kafka transactions, read back whole (committed records only) when a sender starts.
 *
 * <p>Record key {@code <group>\n<eventId>} (compaction keeps one per pair); value a small JSON object:
 * {@code {"group", "eventId", "state", "status", "attempts", "webhook", "recordedAt"}}, where
 * {@code webhook} is the masked URL and {@code recordedAt} the wall-clock time of the record (for
 * people reading the topic; nothing here depends on it).
 */
final class DeliveryLedger {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLedger.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The state of one event id for one group. */
    enum State {
        /**
         * About to be POSTed (recorded before the first request). Still SENDING at a start means an earlier
         * sender stopped after sending and before recording the answer: the receiver may or may not have it.
         */
        SENDING,
        /** The receiver answered 2xx: never sent again. */
        DELIVERED,
        /** Rejected for good (or unconfirmed, by choice) and written to the dead-letter topic: never sent again. */
        DEAD_LETTERED
    }

    private final String topic;
    private final String group;
    private final Map<String, State> states;

    private DeliveryLedger(String topic, String group, Map<String, State> states) {
        this.topic = topic;
        this.group = group;
        this.states = states;
    }

    /** An empty ledger (tests, and a group's first start). */
    static DeliveryLedger empty(String topic, String group) {
        return new DeliveryLedger(topic, group, new HashMap<>());
    }

    /**
     * Reads {@code topic} from its beginning to its end as {@code consumer} sees it (it must read
     * committed records only, and belong to no group), keeping {@code group}'s records.
     *
     * @throws IllegalStateException when the topic does not exist or cannot be read to its end in time
     */
    static DeliveryLedger load(Consumer<byte[], byte[]> consumer, String topic, String group, Duration timeout) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " (the alert ledger) does not exist");
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        DeliveryLedger ledger = empty(topic, group);
        long deadline = System.nanoTime() + timeout.toNanos();
        int read = 0;
        while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading the alert ledger " + topic + " to its end");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                read++;
                ledger.apply(r.value());
            }
        }
        LOG.info("alert ledger {}: {} records read, {} event ids for group {}", topic, read, ledger.states.size(), group);
        return ledger;
    }

    private void apply(byte[] value) {
        if (value == null) {
            return;
        }
        try {
            JsonNode node = MAPPER.readTree(value);
            if (group.equals(node.path("group").asText(null))) {
                states.put(node.path("eventId").asText(), State.valueOf(node.path("state").asText()));
            }
        } catch (IOException | IllegalArgumentException e) {
            // Only this class writes the topic; a record it cannot read is reported, and leaves that id unknown.
            LOG.warn("alert ledger {}: unreadable record skipped ({})", topic, e.getMessage());
        }
    }

    /** The state of {@code eventId}, or null when this group never touched it. */
    State state(String eventId) {
        return states.get(eventId);
    }

    boolean isEmpty() {
        return states.isEmpty();
    }

    int size() {
        return states.size();
    }

    /** The ledger record saying {@code eventId} is now in {@code state}; {@link #recorded} once its transaction commits. */
    ProducerRecord<byte[], byte[]> record(String eventId, State state, int status, int attempts, String webhook) {
        ObjectNode value = MAPPER.createObjectNode()
                .put("group", group)
                .put("eventId", eventId)
                .put("state", state.name())
                .put("status", status)
                .put("attempts", attempts)
                .put("webhook", webhook)
                .put("recordedAt", Instant.now().toString());
        return new ProducerRecord<>(topic, key(group, eventId), value.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Notes a state whose record has been committed. */
    void recorded(String eventId, State state) {
        states.put(eventId, state);
    }

    static byte[] key(String group, String eventId) {
        return (group + "\n" + eventId).getBytes(StandardCharsets.UTF_8);
    }
}
