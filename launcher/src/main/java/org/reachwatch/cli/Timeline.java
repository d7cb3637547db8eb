package org.reachwatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.reachwatch.schemas.registry.SchemaRegistryException;

/**
 * Prints each disruption event as soon as the detector commits it, one readable line per event
 * ({@code demo}, {@code events}). Reads committed records only, from every partition of the topic,
 * without a consumer group (an observer leaves no offsets behind): from the beginning, or from the
 * end as it was at start. Waits for the topic when it does not exist yet.
 */
final class Timeline implements Runnable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final String bootstrapServers;
    private final Map<String, Object> client;
    private final String topic;
    private final Deserializer<DisruptionEvent> values;
    private final boolean fromBeginning;
    private final PrintWriter out;
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong printed = new AtomicLong();
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    Timeline(String bootstrapServers, Map<String, Object> client, String topic, Deserializer<DisruptionEvent> values,
             boolean fromBeginning, PrintWriter out) {
        this.bootstrapServers = bootstrapServers;
        this.client = Map.copyOf(client);
        this.topic = topic;
        this.values = values;
        this.fromBeginning = fromBeginning;
        this.out = out;
    }

    /** The column heads of {@link #line}. */
    static void printHeader(PrintWriter out) {
        out.printf("%-16s  %-7s %-8s %-13s %-20s %6s  %-14s %s%n", "at (UTC)", "region", "network", "target",
                "event", "avail", "method", "cause");
        out.flush();
    }

    /** One event as a line under {@link #printHeader}. */
    static String line(DisruptionEvent e) {
        List<String> methods = e.getMethods().stream().map(Object::toString).collect(Collectors.toList());
        return String.format(Locale.ROOT, "%-16s  %-7s %-8s %-13s %-20s %5s%%  %-14s %s", TIME.format(e.getAt()), e.getCountry(),
                e.getAsn() == null ? "all" : e.getAsn(), e.getTarget(), e.getType(),
                e.getAvailability() == null ? "-" : String.format(Locale.ROOT, "%.0f", e.getAvailability() * 100),
                methods.isEmpty() ? "-" : String.join(",", methods), e.getCause());
    }

    /** Stops once the topic has been quiet for three polls (1.5 s): the demo, after the detector has caught up. */
    void finish() {
        finishing.set(true);
    }

    /** Stops now. */
    void stop() {
        stopping.set(true);
        stopped.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Events printed so far. */
    long printed() {
        return printed.get();
    }

    @Override
    public void run() {
        Map<String, Object> config = KafkaClients.only(ConsumerConfig.configNames(), client);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (stopping.get()) {
                return;
            }
            List<TopicPartition> partitions = awaitPartitions(c);
            if (partitions.isEmpty()) {
                return;
            }
            c.assign(partitions);
            if (fromBeginning) {
                c.seekToBeginning(partitions);
            } else {
                c.seekToEnd(partitions);
            }
            int emptyAfterFinish = 0;
            while (!stopping.get() && emptyAfterFinish < 3) {
                var records = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    print(r);
                }
                if (finishing.get() && records.isEmpty()) {
                    emptyAfterFinish++;
                }
            }
        } catch (WakeupException e) {
            if (!stopping.get()) {
                throw e;
            }
        } finally {
            consumer = null;
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<byte[], byte[]> c) {
        boolean said = false;
        while (!stopping.get()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            }
            if (!said) {
                out.printf("(waiting for topic %s to exist)%n", topic);
                out.flush();
                said = true;
            }
            try {
                stopped.await(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private void print(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        try {
            out.println(line(values.deserialize(r.topic(), r.headers(), r.value())));
            printed.incrementAndGet();
        } catch (SerializationException | SchemaRegistryException e) {
            out.printf("(record at %s-%d offset %d not shown: %s)%n", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
        out.flush();
    }
}
