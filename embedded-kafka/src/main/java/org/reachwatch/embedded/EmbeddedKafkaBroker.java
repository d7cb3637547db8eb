package org.reachwatch.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker and KRaft controller in this JVM, listening on free loopback ports.
 *
 * <p>Guarantees: {@link #start()} returns once the broker accepts client requests (a metadata
 * round-trip succeeded); {@link #close()} shuts it down and waits for it, then deletes its
 * log directory if this class created it. {@link #stop()} and {@link #restart()} keep the
 * ports and the data, so tests can take the broker away under a producer and bring it back.
 *
 * <p>Settings are those a single node needs (replication factor 1 for internal topics) and
 * {@code log.retention.ms=-1}: replayed measurements carry event timestamps months or years old,
 * and time-based retention would silently delete them ~30 s after start.
 *
 * <p>Fails with {@link IllegalStateException} when the storage cannot be formatted or the broker
 * does not answer within {@link #STARTUP_TIMEOUT}. The broker's threads are not daemons:
 * callers must close it (try-with-resources, {@code @AfterAll}, or a shutdown hook).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    /** How long start-up may take before it is reported as a failure. */
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path logDir;
    private final boolean ownsLogDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Properties serverProperties;
    private KafkaRaftServer server;
    private Duration lastStartupTime = Duration.ZERO;

    private EmbeddedKafkaBroker(Path logDir, boolean ownsLogDir, Map<String, String> overrides) {
        this.logDir = logDir;
        this.ownsLogDir = ownsLogDir;
        this.brokerPort = freePort();
        this.controllerPort = freePort();
        this.serverProperties = serverProperties(overrides);
    }

    /** Starts a broker with default settings in a fresh temporary directory. */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /** Starts a broker in a fresh temporary directory; {@code overrides} replace default broker settings. */
    public static EmbeddedKafkaBroker start(Map<String, String> overrides) {
        Path dir;
        try {
            dir = Files.createTempDirectory("reachwatch-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded broker's logs", e);
        }
        return start(dir, true, overrides);
    }

    /** Starts a broker whose data lives in {@code logDir} (kept on close), formatting it if it is new. */
    public static EmbeddedKafkaBroker start(Path logDir, Map<String, String> overrides) {
        return start(logDir, false, overrides);
    }

    private static EmbeddedKafkaBroker start(Path logDir, boolean owns, Map<String, String> overrides) {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(logDir, owns, overrides);
        try {
            broker.format();
            broker.startServer();
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    /** Wall time of the latest start (format excluded): construction of the server to first metadata answer. */
    public Duration lastStartupTime() {
        return lastStartupTime;
    }

    /** Creates topics (idempotent: existing ones are left as they are) with the given partitions and configs. */
    public void createTopics(List<String> names, int partitions, Map<String, String> configs) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            for (String name : names) {
                try {
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                            .all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + names, e);
        }
    }

    /** Shuts the broker down but keeps its ports and data, for {@link #restart()}. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker again after {@link #stop()}, on the same ports with the same data. */
    public synchronized void restart() {
        if (server == null) {
            startServer();
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public synchronized void close() {
        stop();
        if (ownsLogDir) {
            deleteRecursively(logDir);
        }
    }

    private Properties serverProperties(Map<String, String> overrides) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDir.resolve("data").toString());
        // One node: internal topics cannot have more replicas than brokers, or groups and
        // transactions hang waiting for them.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // Fewer internal partitions: each costs start-up time and file handles on a laptop.
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.num.partitions", "5");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The 128 MiB default dedupe buffer is allocated at start even if nothing is compacted.
        p.setProperty("log.cleaner.dedupe.buffer.size", "2097152");
        // Event timestamps of replayed data are old; never delete by time (see class doc).
        p.setProperty("log.retention.ms", "-1");
        p.setProperty("num.partitions", "2");
        p.setProperty("auto.create.topics.enable", "false");
        overrides.forEach(p::setProperty);
        return p;
    }

    private void format() {
        Path metaProperties = logDir.resolve("data").resolve("meta.properties");
        if (Files.exists(metaProperties)) {
            return;
        }
        Path config = logDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            serverProperties.store(out, "reachwatch embedded broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(), "--standalone"}, out);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting the embedded broker's storage failed (exit " + rc + "): "
                    + buffer.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private synchronized void startServer() {
        long started = System.nanoTime();
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(serverProperties, false), Time.SYSTEM);
        s.startup();
        server = s;
        awaitReady();
        lastStartupTime = Duration.ofNanos(System.nanoTime() - started);
        log.info("Embedded Kafka broker ready at {} in {} ms", bootstrapServers(), lastStartupTime.toMillis());
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000"))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
                }
            }
        }
        throw new IllegalStateException("embedded broker at " + bootstrapServers() + " did not become ready within "
                + STARTUP_TIMEOUT.toSeconds() + " s", last);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the embedded broker", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
