package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.alerts.AlertFilter;
import org.reachwatch.alerts.AlertFormat;
import org.reachwatch.alerts.AlertService;
import org.reachwatch.alerts.WebhookSink;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorSettings;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.TopicDrain;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.embedded.TlsMaterial;
import org.reachwatch.registry.RegistryServerConfig;
import org.reachwatch.registry.SchemaRegistryServer;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.json.AvroJson;
import org.reachwatch.schemas.serde.AvroSerde;
import picocli.CommandLine;

/**
 * The pipeline on a secured cluster, configured as a user would: a broker with only a SASL_SSL
 * listener (SCRAM-SHA-512, TLS with a CA generated here), a registry with HTTP basic auth over
 * https, and one client properties file with standard Kafka and Confluent names. A real probe run
 * and the lossless publisher feed the detector; its events come back through TLS. Wrong
 * credentials stop the commands at once with one line.
 */
class SecureClusterIT {
    private static final String KAFKA_PASSWORD = "k4fka-pw-for-reachwatch";
    private static final String REGISTRY_PASSWORD = "r3gistry-pw";

    @TempDir
    static Path dir;
    static TlsMaterial tls;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer registry;
    static Path clientConfig;

    @BeforeAll
    static void startSecuredCluster() throws IOException {
        tls = TlsMaterial.generate(dir.resolve("tls"));
        broker = EmbeddedKafkaBroker.builder().saslSsl(tls, Map.of("reachwatch", KAFKA_PASSWORD)).start();
        Path users = Files.writeString(dir.resolve("registry-users.properties"), "reachwatch: " + REGISTRY_PASSWORD + ",admin\n");
        Properties server = new Properties();
        server.setProperty("listeners", "https://127.0.0.1:0");
        server.setProperty("ssl.keystore.location", tls.keystore().toString());
        server.setProperty("ssl.keystore.password", tls.password());
        server.setProperty("ssl.keystore.type", "PKCS12");
        server.setProperty("authentication.method", "BASIC");
        server.setProperty("authentication.roles", "admin");
        server.setProperty("authentication.users.file", users.toString());
        server.setProperty("kafkastore.bootstrap.servers", broker.bootstrapServers());
        kafkaSecurity(KAFKA_PASSWORD).forEach((k, v) -> server.setProperty("kafkastore." + k, v));
        registry = SchemaRegistryServer.start(RegistryServerConfig.builder(null).apply(server, "test").build());
        clientConfig = clientProperties("client.properties", KAFKA_PASSWORD, REGISTRY_PASSWORD, true);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void probeAndPublisherFeedTheDetectorAndEventsComeBackOverSaslSsl() throws Exception {
        Cluster cluster = resolve(clientConfig);
        assertThat(cluster.checkAccess(Duration.ofSeconds(30))).isTrue();
        // The fleet's measurements are from 2024, the probe's from today: separate topics, so today's do not make 2024's late.
        DetectorTopics topics = DetectorTopics.withPrefix("fleet.", cluster.registryUrl());
        DetectorSettings settings = DetectorSettings.defaultSettings();
        List<ProbeMeasurement> fleet = Fleet.measurements();
        try (DetectorApp app = DetectorApp.start(cluster.bootstrapServers(), cluster.kafka(), DetectorTopicConfigs.defaults(), topics,
                settings, "secure-it", Files.createDirectories(dir.resolve("state")), new Properties(), Duration.ofSeconds(90))) {
            try (Pipeline pipeline = new Pipeline(cluster.bootstrapServers(), cluster.kafka(), cluster.registryUrl(), topics,
                    dir.resolve("spool"))) {
                pipeline.publish(fleet);
                app.sendEndOfInput(fleet.get(fleet.size() - 1).getStartTime(), settings);
            }
            app.awaitCaughtUp(Duration.ofMinutes(2));

            List<DisruptionEvent> events = TopicDrain.readAll(cluster.bootstrapServers(), cluster.kafka(), topics.events().name(),
                    topics.events().valueSerde().deserializer(), Duration.ofSeconds(60));
            assertThat(events).isNotEmpty();
            DisruptionEvent first = events.get(0);
            assertThat(first.getType()).isEqualTo(EventType.DISRUPTION_STARTED);
            assertThat(first.getCountry()).isEqualTo("PK");
            assertThat(first.getTarget()).isEqualTo("x.com");
            assertThat(first.getAt()).isBetween(Fleet.BLOCK, Fleet.BLOCK.plus(Duration.ofMinutes(10)));
            assertThat(events).extracting(DisruptionEvent::getType).contains(EventType.RESTORED);
            List<ProbeMeasurement> published = TopicDrain.readAll(cluster.bootstrapServers(), cluster.kafka(), topics.measurements().name(),
                    AvroSerde.specific(ProbeMeasurement.class, cluster.registryUrl(), false).deserializer(), Duration.ofSeconds(60));
            assertThat(published).hasSize(fleet.size());

            // A real probe run, configured only by the properties file: one DNS-timeout measurement per target.
            // The topics a probe writes to, created as an operator does before the probes start.
            Result topicsRun = run(Map.of("REACHWATCH_KAFKA_CONFIG", clientConfig.toString(),
                    "REACHWATCH_TOPIC_MEASUREMENTS_RETENTION_MS", "172800000"), "topics");
            assertThat(topicsRun.exit()).as(topicsRun.err()).isZero();
            assertThat(topicsRun.out()).contains("probe.measurements", "retention.ms=172800000");
            DetectorTopics probeTopics = DetectorTopics.defaults(cluster.registryUrl());
            assertThat(topicConfig(cluster, probeTopics.measurements().name(), "retention.ms")).isEqualTo("172800000");
            assertThat(topicConfig(cluster, probeTopics.incidents().name(), "cleanup.policy")).isEqualTo("compact");
            try (DatagramSocket silentDns = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                Result probe = run(Map.of(), "probe", "--once", "--kafka-config", clientConfig.toString(), "--probe-id", "secure-probe",
                        "--country", "PK", "--asn", "AS17557", "--resolver", "127.0.0.1:" + silentDns.getLocalPort(),
                        "--timeout-seconds", "1", "--target", "x.com", "--control", "example.com",
                        "--spool-dir", dir.resolve("probe-spool").toString());
                assertThat(probe.exit()).as(probe.err()).isZero();
                assertThat(probe.err()).contains("2 measurements published");
            }
            List<ProbeMeasurement> probed = TopicDrain.readAll(cluster.bootstrapServers(), cluster.kafka(), probeTopics.measurements().name(),
                    AvroSerde.specific(ProbeMeasurement.class, cluster.registryUrl(), false).deserializer(), Duration.ofSeconds(60));
            assertThat(probed).extracting(ProbeMeasurement::getProbeId).containsOnly("secure-probe");
            assertThat(probed).extracting(ProbeMeasurement::getTarget).containsExactlyInAnyOrder("x.com", "example.com");

            // replay against the given secured cluster: its embedded registry keeps its state there over SASL_SSL.
            Path kafkaOnly = clientProperties("kafka-only.properties", KAFKA_PASSWORD, null, false);
            Path eventsOut = dir.resolve("replay-events.jsonl");
            Result replay = run(Map.of(), "replay", "--input", Fleet.writeJsonLines(fleet, dir.resolve("fleet.jsonl")).toString(),
                    "--events-out", eventsOut.toString(), "--kafka-config", kafkaOnly.toString(),
                    "--bootstrap-servers", broker.bootstrapServers());
            assertThat(replay.exit()).as(replay.err()).isZero();
            assertThat(Files.readAllLines(eventsOut)).containsExactlyElementsOf(events.stream().map(AvroJson::toJsonLine).toList());
        }
    }

    @Test
    void alertsAreSentFromTheSecuredClusterOnceEach() throws Exception {
        Cluster cluster = resolve(clientConfig);
        cluster.configureRegistryClient();
        Map<String, Object> adminConfig = new java.util.HashMap<>(cluster.kafka());
        adminConfig.put("bootstrap.servers", cluster.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(adminConfig)) {
            // Only this topic: the other test checks the retention `topics` gives the rest when it creates them.
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(TopicNames.EVENTS, 3, (short) 1)))
                    .all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(org.apache.kafka.common.errors.TopicExistsException.class);
        }
        Map<String, Object> producer = new java.util.HashMap<>();
        cluster.kafka().forEach((k, v) -> {
            if (org.apache.kafka.clients.producer.ProducerConfig.configNames().contains(k)) {
                producer.put(k, v);
            }
        });
        producer.put("bootstrap.servers", cluster.bootstrapServers());
        producer.put("transactional.id", "secure-it-detector");
        List<DisruptionEvent> events = List.of(event(EventType.DISRUPTION_STARTED, 0), event(EventType.PARTIAL_RESTORATION, 1),
                event(EventType.RESTORED, 2));
        // As the detector writes them: in a transaction, keyed by incident, Avro through the registry behind basic auth.
        try (org.apache.kafka.clients.producer.KafkaProducer<String, DisruptionEvent> detector = new org.apache.kafka.clients.producer
                .KafkaProducer<>(producer, new org.apache.kafka.common.serialization.StringSerializer(),
                AvroSerde.specific(DisruptionEvent.class, cluster.registryUrl(), false).serializer())) {
            detector.initTransactions();
            detector.beginTransaction();
            for (DisruptionEvent e : events) {
                detector.send(new org.apache.kafka.clients.producer.ProducerRecord<>(TopicNames.EVENTS, e.getIncidentId(), e));
            }
            detector.commitTransaction();
        }
        StringWriter log = new StringWriter();
        try (WebhookReceiver receiver = new WebhookReceiver(true)) {
            try (AlertRunner alerts = AlertRunner.start(cluster, WebhookSink.Settings.of(java.net.URI.create(receiver.url()),
                    AlertFormat.JSON), AlertFilter.all(), "secure-it-alerts", true, AlertService.Unconfirmed.RESEND, new PrintWriter(log, true))) {
                assertThat(alerts.awaitHandled(events.size(), Duration.ofMinutes(1))).as("%s", log).isTrue();
            }
            assertThat(receiver.accepted()).containsOnlyKeys(events.stream().map(DisruptionEvent::getEventId).toList())
                    .allSatisfy((id, n) -> assertThat(n).isOne());
            assertThat(receiver.requests()).isEqualTo(2L * events.size());
        }
        assertThat(log.toString()).contains("alerts: 3 delivered").doesNotContain(KAFKA_PASSWORD).doesNotContain(REGISTRY_PASSWORD);
    }

    private static DisruptionEvent event(EventType type, int hours) {
        java.time.Instant at = Fleet.BLOCK.plus(Duration.ofHours(hours));
        return DisruptionEvent.newBuilder().setEventId("PK-x.com/" + type + "/" + at).setIncidentId("PK-x.com").setType(type)
                .setCountry("PK").setAsn(null).setTarget("x.com").setAt(at).setDetectedAt(at.plusSeconds(600)).build();
    }

    @Test
    void aWrongKafkaPasswordStopsProbeAndDetectAtOnceWithOneLine() throws IOException {
        Path wrong = clientProperties("wrong-kafka.properties", "not-the-password", REGISTRY_PASSWORD, true);
        for (String command : List.of("probe", "detect")) {
            long started = System.nanoTime();
            Result result = command.equals("probe")
                    ? run(Map.of(), "probe", "--once", "--kafka-config", wrong.toString(), "--spool-dir", dir.resolve("s1").toString())
                    : run(Map.of(), "detect", "--kafka-config", wrong.toString(), "--state-dir", dir.resolve("s2").toString());

            assertThat(result.exit()).as(command).isEqualTo(1);
            assertThat(result.err().lines()).as(command).hasSize(1);
            assertThat(result.err()).contains("refused the login").doesNotContain("not-the-password").doesNotContain(KAFKA_PASSWORD);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void aWrongRegistryPasswordFromTheEnvironmentStopsTheProbe() {
        Result result = run(Map.of("REACHWATCH_KAFKA_CONFIG", clientConfig.toString(), "REACHWATCH_BASIC_AUTH_USER_INFO", "reachwatch:nope"),
                "probe", "--once", "--spool-dir", dir.resolve("s3").toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err()).contains("refused the credentials").doesNotContain("nope");
    }

    private record Result(int exit, String out, String err) {
    }

    private static String topicConfig(Cluster cluster, String topic, String name) throws Exception {
        Map<String, Object> config = new java.util.HashMap<>(cluster.kafka());
        config.put("bootstrap.servers", cluster.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config)) {
            org.apache.kafka.common.config.ConfigResource resource =
                    new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get(30, java.util.concurrent.TimeUnit.SECONDS)
                    .get(resource).get(name).value();
        }
    }

    private static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine(env);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static Cluster resolve(Path config) {
        ClusterOptions options = new ClusterOptions(new Environment(Map.of()));
        options.kafkaConfig = config;
        return options.resolve("unused:9092", "http://unused:8081");
    }

    private static Map<String, String> kafkaSecurity(String password) {
        return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"reachwatch\" password=\""
                        + password + "\";",
                "ssl.truststore.location", tls.truststore().toString(), "ssl.truststore.password", tls.password(),
                "ssl.truststore.type", "PKCS12");
    }

    /** A client properties file as a user writes it: Kafka's names and Confluent's registry client names. */
    private static Path clientProperties(String name, String kafkaPassword, String registryPassword, boolean withRegistry) throws IOException {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", broker.bootstrapServers());
        kafkaSecurity(kafkaPassword).forEach(p::setProperty);
        if (withRegistry) {
            p.setProperty("schema.registry.url", registry.url());
            p.setProperty("basic.auth.credentials.source", "USER_INFO");
            p.setProperty("basic.auth.user.info", "reachwatch:" + registryPassword);
            p.setProperty("schema.registry.ssl.truststore.location", tls.truststore().toString());
            p.setProperty("schema.registry.ssl.truststore.password", tls.password());
            p.setProperty("schema.registry.ssl.truststore.type", "PKCS12");
        }
        Path file = dir.resolve(name);
        try (var out = Files.newOutputStream(file)) {
            p.store(out, null);
        }
        return file;
    }
}
