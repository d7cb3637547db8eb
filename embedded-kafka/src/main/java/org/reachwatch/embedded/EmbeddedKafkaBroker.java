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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.reachwatch.schemas.io.Directories;
import org.reachwatch.schemas.kafka.KafkaTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker and KRaft controller in this JVM, listening on loopback ports.
 *
 * <p>Guarantees: {@link #start()} (and {@link Builder#start()}) return once the broker accepts
 * client requests (a metadata round-trip succeeded); {@link #close()} shuts it down and waits for
 * it, then deletes its log directory if this class created it. {@link #stop()} and
 * {@link #restart()} keep the ports and the data, so tests can take the broker away under a
 * producer and bring it back; a broker started on a kept {@linkplain Builder#dataDir data
 * directory} with the {@linkplain Builder#ports same ports} is the same broker after a JVM restart.
 *
 * <p>The client listener is PLAINTEXT by default, or SASL_SSL with SCRAM-SHA-512 logins
 * ({@link Builder#saslSsl}): then {@link #clientConfig()} holds what a client needs (trust store
 * and the broker's own admin login). The KRaft controller listener stays PLAINTEXT on loopback.
 *
 * <p>Settings are those a single node needs (replication factor 1 for internal topics) and
 * {@code log.retention.ms=-1} as the broker-wide default: replayed measurements carry event
 * timestamps months or years old, and time-based retention would silently delete them ~30 s after
 * start. Topics that should expire set their own {@code retention.ms}.
 *
 * <p>Fails with {@link IllegalStateException} when the storage cannot be formatted or the broker
 * does not answer within {@link #STARTUP_TIMEOUT}. The broker's threads are not daemons:
 * callers must close it (try-with-resources, {@code @AfterAll}, or a shutdown hook).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    /** How long start-up may take before it is reported as a failure. */
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** The SASL mechanism of a {@linkplain Builder#saslSsl secured} listener. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    /** The login the broker uses for itself (inter-broker, its own admin client) on a secured listener. */
    public static final String ADMIN_USER = "reachwatch-admin";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final Path logDir;
    private final boolean ownsLogDir;
    private final int brokerPort;
    private final int controllerPort;
    private final Properties serverProperties;
    private final Map<String, String> clientConfig;
    private final List<String> formatArguments;
    private KafkaRaftServer server;
    private Duration lastStartupTime = Duration.ZERO;

    private EmbeddedKafkaBroker(Node node, Builder builder) {
        this.logDir = node.dir;
        this.ownsLogDir = node.ownsDir;
        this.brokerPort = node.brokerPort;
        this.controllerPort = node.controllerPort;
        String adminPassword = builder.tls == null ? null : randomSecret();
        this.serverProperties = serverProperties(node, builder, adminPassword);
        this.clientConfig = builder.tls == null ? Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers())
                : saslSslClientConfig(bootstrapServers(), builder.tls, ADMIN_USER, adminPassword);
        List<String> format = new ArrayList<>(node.formatArguments);
        if (builder.tls != null) {
            Map<String, String> users = new LinkedHashMap<>(builder.users);
            users.put(ADMIN_USER, adminPassword);
            users.forEach((user, password) -> {
                format.add("--add-scram");
                format.add(SCRAM_MECHANISM + "=[name=" + user + ",password=" + password + "]");
            });
        }
        this.formatArguments = List.copyOf(format);
    }

    /** Starts a broker with default settings in a fresh temporary directory. */
    public static EmbeddedKafkaBroker start() {
        return builder().start();
    }

    /** Starts a broker in a fresh temporary directory; {@code overrides} replace default broker settings. */
    public static EmbeddedKafkaBroker start(Map<String, String> overrides) {
        return builder().overrides(overrides).start();
    }

    /** Starts a broker whose data lives in {@code logDir} (kept on close), formatting it if it is new. */
    public static EmbeddedKafkaBroker start(Path logDir, Map<String, String> overrides) {
        return builder().dataDir(logDir).overrides(overrides).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to start a broker; every setting is optional. */
    public static final class Builder {
        private Path dataDir;
        private int brokerPort;
        private int controllerPort;
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private TlsMaterial tls;
        private final Map<String, String> users = new LinkedHashMap<>();

        private Builder() {
        }

        /** Keep the broker's data in {@code dir} (never deleted by this class); formatted on first use. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Listen on these loopback ports (0: any free port, the default). */
        public Builder ports(int brokerPort, int controllerPort) {
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            return this;
        }

        /** Broker settings that replace the defaults. */
        public Builder overrides(Map<String, String> overrides) {
            this.overrides.putAll(overrides);
            return this;
        }

        /**
         * The client listener speaks SASL_SSL: TLS with {@code tls}'s server certificate, logins by
         * SCRAM-SHA-512 for {@code users} (name to password), created when the storage is formatted.
         */
        public Builder saslSsl(TlsMaterial tls, Map<String, String> users) {
            this.tls = tls;
            this.users.putAll(users);
            return this;
        }

        /**
         * Formats the storage if new, starts the broker and waits until it answers.
         *
         * @throws IllegalArgumentException for a secured broker on a kept data directory: its
         *                                  logins are created at format time, its admin password per start
         */
        public EmbeddedKafkaBroker start() {
            if (tls != null && dataDir != null) {
                throw new IllegalArgumentException("a SASL_SSL embedded broker keeps no data across starts: drop dataDir");
            }
            Node node = Node.single(dataDir, brokerPort, controllerPort);
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(node, this);
            try {
                broker.format();
                broker.startServer();
                broker.awaitReady(1);
                return broker;
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }
    }

    /** Where one node of a cluster lives and how its controller quorum is found. */
    record Node(int id, String roles, Path dir, boolean ownsDir, int brokerPort, int controllerPort, Map<String, String> quorum,
                List<String> formatArguments) {
        static Node single(Path dataDir, int brokerPort, int controllerPort) {
            int controller = controllerPort == 0 ? freePort() : controllerPort;
            return new Node(1, "broker,controller", dataDir == null ? tempDir() : dataDir, dataDir == null, brokerPort == 0 ? freePort() : brokerPort,
                    controller, Map.of("controller.quorum.bootstrap.servers", "localhost:" + controller),
                    List.of("-t", Uuid.randomUuid().toString(), "--standalone"));
        }
    }

    /** A cluster member: formatted and configured, not started (the cluster starts its members together). */
    static EmbeddedKafkaBroker member(Node node, Map<String, String> overrides) {
        return new EmbeddedKafkaBroker(node, builder().overrides(overrides));
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    /**
     * What a client of this broker needs besides serializers: {@code bootstrap.servers} and, on a
     * secured listener, the trust store and the broker's own admin login. Contains a password then.
     */
    public Map<String, String> clientConfig() {
        return clientConfig;
    }

    /** Client settings for a SASL_SSL listener with a SCRAM-SHA-512 login; contains the password. */
    public static Map<String, String> saslSslClientConfig(String bootstrapServers, TlsMaterial tls, String user, String password) {
        Map<String, String> config = new HashMap<>(tls.clientTrustSettings());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put("security.protocol", "SASL_SSL");
        config.put("sasl.mechanism", SCRAM_MECHANISM);
        config.put("sasl.jaas.config", scramLogin(user, password));
        return Map.copyOf(config);
    }

    /** The broker port this broker listens on for clients. */
    public int port() {
        return brokerPort;
    }

    /** The KRaft controller port. */
    public int controllerPort() {
        return controllerPort;
    }

    /** Wall time of the latest start (format excluded): construction of the server to first metadata answer. */
    public Duration lastStartupTime() {
        return lastStartupTime;
    }

    /** Creates topics (idempotent: existing ones are left as they are) with the given partitions and configs. */
    public void createTopics(List<String> names, int partitions, Map<String, String> configs) {
        createTopics(new HashMap<>(clientConfig), names, partitions, (short) 1, configs);
    }

    static void createTopics(Map<String, Object> adminConfig, List<String> names, int partitions, short replicas,
                             Map<String, String> configs) {
        try (Admin admin = Admin.create(adminConfig)) {
            KafkaTopics.createMissing(admin, names.stream().map(n -> new NewTopic(n, partitions, replicas).configs(configs)).toList(),
                    Duration.ofSeconds(30));
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
            awaitReady(1);
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

    private Properties serverProperties(Node node, Builder builder, String adminPassword) {
        Properties p = new Properties();
        p.setProperty("process.roles", node.roles);
        p.setProperty("node.id", Integer.toString(node.id));
        node.quorum.forEach(p::setProperty);
        String listener = builder.tls == null ? "PLAINTEXT" : "SASL_SSL";
        boolean broker = node.roles.contains("broker");
        boolean controller = node.roles.contains("controller");
        List<String> listeners = new ArrayList<>();
        if (broker) {
            listeners.add(listener + "://localhost:" + brokerPort);
            p.setProperty("advertised.listeners", listener + "://localhost:" + brokerPort);
            p.setProperty("inter.broker.listener.name", listener);
        }
        if (controller) {
            listeners.add("CONTROLLER://localhost:" + controllerPort);
        }
        p.setProperty("listeners", String.join(",", listeners));
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        if (builder.tls != null) {
            TlsMaterial tls = builder.tls;
            p.setProperty("sasl.enabled.mechanisms", SCRAM_MECHANISM);
            p.setProperty("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
            p.setProperty("listener.name.sasl_ssl." + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                    scramLogin(ADMIN_USER, adminPassword));
            p.setProperty("ssl.keystore.location", tls.keystore().toString());
            p.setProperty("ssl.keystore.password", tls.password());
            p.setProperty("ssl.key.password", tls.password());
            p.setProperty("ssl.keystore.type", "PKCS12");
            p.setProperty("ssl.truststore.location", tls.truststore().toString());
            p.setProperty("ssl.truststore.password", tls.password());
            p.setProperty("ssl.truststore.type", "PKCS12");
        }
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
        // Event timestamps of replayed data are old; never delete by time unless a topic says so (see class doc).
        p.setProperty("log.retention.ms", "-1");
        p.setProperty("num.partitions", "2");
        p.setProperty("auto.create.topics.enable", "false");
        builder.overrides.forEach(p::setProperty);
        return p;
    }

    private static String scramLogin(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    void format() {
        Path metaProperties = logDir.resolve("data").resolve("meta.properties");
        if (Files.exists(metaProperties)) {
            return;
        }
        Path config = logDir.resolve("server.properties");
        try {
            Files.createDirectories(logDir);
            // The file holds listener passwords on a secured broker: readable by its owner only, where supported.
            try (OutputStream out = Files.newOutputStream(config)) {
                serverProperties.store(out, "reachwatch embedded broker");
            }
            restrictToOwner(config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        List<String> args = new ArrayList<>(List.of("format", "-c", config.toString()));
        args.addAll(formatArguments);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int rc;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(args.toArray(String[]::new), out);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting the embedded broker's storage failed (exit " + rc + "): "
                    + buffer.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions apply
        }
    }

    synchronized void startServer() {
        long started = System.nanoTime();
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(serverProperties, false), Time.SYSTEM);
        s.startup();
        server = s;
        lastStartupTime = Duration.ofNanos(System.nanoTime() - started);
    }

    /** Waits until a metadata request through this broker sees at least {@code brokers} brokers. */
    void awaitReady(int brokers) {
        long started = System.nanoTime() - lastStartupTime.toNanos();
        awaitBrokers(new HashMap<>(clientConfig), brokers);
        lastStartupTime = Duration.ofNanos(System.nanoTime() - started);
        log.info("Embedded Kafka broker ready at {} in {} ms", bootstrapServers(), lastStartupTime.toMillis());
    }

    static void awaitBrokers(Map<String, Object> clientConfig, int brokers) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        Exception last = null;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                try {
                    if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() >= brokers) {
                        return;
                    }
                    last = null;
                    TimeUnit.MILLISECONDS.sleep(100);
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
                }
            }
        }
        throw new IllegalStateException("embedded Kafka at " + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
                + " did not show " + brokers + " broker(s) within " + STARTUP_TIMEOUT.toSeconds() + " s", last);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the embedded broker", e);
        }
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("reachwatch-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded broker's logs", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Directories.deleteRecursively(dir)) {
            log.warn("could not delete all of {}", dir);
        }
    }
}
