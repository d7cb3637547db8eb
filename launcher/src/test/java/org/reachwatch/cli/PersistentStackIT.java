package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import picocli.CommandLine;

/**
 * {@code reachwatch stack --data-dir DIR} twice on the same directory, as a user restarts it: the
 * second start is the same cluster: same addresses, the topic and its records, every subject with
 * the same schema ids, and new schemas get new ids.
 */
class PersistentStackIT {
    private static final Pattern LINE = Pattern.compile("(bootstrap\\.servers|schema\\.registry\\.url)=(\\S+)");

    @TempDir
    Path dir;

    @Test
    void aRestartOnTheSameDataDirectoryIsTheSameClusterWithTheSameSchemaIds() throws Exception {
        Path data = dir.resolve("data");
        List<Schema> schemas = List.of(schema("A"), schema("B"), schema("C"));
        Map<String, Integer> ids = new HashMap<>();
        Map<String, String> first;
        try (RunningStack stack = RunningStack.start(data, "--broker-port", "0", "--registry-port", "0")) {
            first = stack.addresses;
            HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(first.get("schema.registry.url"));
            for (int i = 0; i < schemas.size(); i++) {
                ids.put("kept-" + i + "-value", registry.register("kept-" + i + "-value", schemas.get(i)));
            }
            String bootstrap = first.get("bootstrap.servers");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("kept-topic", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("kept-topic", "record-" + i)).get(30, TimeUnit.SECONDS);
                }
            }
        }
        Properties kept = new Properties();
        try (var in = Files.newInputStream(data.resolve(PersistentStack.STATE_FILE))) {
            kept.load(in);
        }
        assertThat(kept.stringPropertyNames()).containsExactlyInAnyOrder("broker.port", "controller.port", "registry.port");
        assertThat(data.resolve("kafka")).isDirectory();

        try (RunningStack stack = RunningStack.start(data)) {
            assertThat(stack.addresses).isEqualTo(first);
            HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(stack.addresses.get("schema.registry.url"));
            for (int i = 0; i < schemas.size(); i++) {
                String subject = "kept-" + i + "-value";
                assertThat(registry.byId(ids.get(subject))).isEqualTo(schemas.get(i));
                assertThat(registry.latest(subject).id()).isEqualTo(ids.get(subject));
                assertThat(registry.register(subject, schemas.get(i))).isEqualTo(ids.get(subject));
            }
            int fresh = registry.register("kept-new-value", schema("D"));
            assertThat(fresh).isGreaterThan(ids.values().stream().mapToInt(Integer::intValue).max().orElseThrow());
            assertThat(readAll(stack.addresses.get("bootstrap.servers"), "kept-topic", 5))
                    .containsExactly("record-0", "record-1", "record-2", "record-3", "record-4");
        }
    }

    /** The stack command running in a thread of this JVM, stopped by interrupting it. */
    private static final class RunningStack implements AutoCloseable {
        private final Thread thread;
        private final AtomicInteger exit;
        private final Map<String, String> addresses = new HashMap<>();

        private RunningStack(Thread thread, AtomicInteger exit) {
            this.thread = thread;
            this.exit = exit;
        }

        static RunningStack start(Path data, String... flags) throws InterruptedException {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            List<String> args = new ArrayList<>(List.of("stack", "--data-dir", data.toString()));
            args.addAll(List.of(flags));
            CommandLine cli = ReachwatchCli.commandLine(Map.of());
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            AtomicInteger exit = new AtomicInteger(-1);
            Thread thread = new Thread(() -> exit.set(cli.execute(args.toArray(String[]::new))), "stack-under-test");
            RunningStack running = new RunningStack(thread, exit);
            thread.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (running.addresses.size() < 2) {
                assertThat(System.nanoTime()).as("stack printed its addresses; stderr: %s", err).isLessThan(deadline);
                assertThat(thread.isAlive()).as("stack is running; stderr: %s", err).isTrue();
                Matcher m = LINE.matcher(out.toString());
                while (m.find()) {
                    running.addresses.put(m.group(1), m.group(2));
                }
                thread.join(50);
            }
            return running;
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(60_000);
            assertThat(thread.isAlive()).isFalse();
            assertThat(exit.get()).isZero();
        }
    }

    private static Schema schema(String name) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"" + name + "\",\"namespace\":\"kept\",\"fields\":[{\"name\":\"f"
                + name + "\",\"type\":\"string\"}]}");
    }

    private static List<String> readAll(String bootstrap, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }
}
