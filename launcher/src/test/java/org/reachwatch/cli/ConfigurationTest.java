package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.detector.DetectorTopicConfigs;
import picocli.CommandLine;

/** One precedence rule (flag > environment > file > default) and settings that are checked, never silently dropped. */
class ConfigurationTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"probe\" password=\"pa55-w0rd\";";

    @TempDir
    Path dir;

    @Test
    void bootstrapServersComeFromFlagThenEnvironmentThenFileThenDefault() throws IOException {
        Path file = write("client.properties", "bootstrap.servers=from-file:9092\nschema.registry.url=http://file:8081\n");

        assertThat(cluster(Map.of(), null, file).bootstrapServers()).isEqualTo("from-file:9092");
        assertThat(cluster(Map.of("REACHWATCH_BOOTSTRAP_SERVERS", "from-env:9092"), null, file).bootstrapServers())
                .isEqualTo("from-env:9092");
        assertThat(cluster(Map.of("REACHWATCH_BOOTSTRAP_SERVERS", "from-env:9092"), "from-flag:9092", file).bootstrapServers())
                .isEqualTo("from-flag:9092");
        assertThat(cluster(Map.of(), null, null).bootstrapServers()).isEqualTo("default:9092");
        assertThat(cluster(Map.of("REACHWATCH_KAFKA_CONFIG", file.toString()), null, null).registryUrl()).isEqualTo("http://file:8081");
    }

    @Test
    void securitySettingsFromFileAndEnvironmentReachTheClientsWithTheEnvironmentWinning() throws IOException {
        Path file = write("client.properties", "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "ssl.truststore.location=/etc/ca.p12\nssl.truststore.password=changeit\n");

        Cluster c = cluster(Map.of("REACHWATCH_SASL_JAAS_CONFIG", JAAS, "REACHWATCH_SSL_TRUSTSTORE_PASSWORD", "from-env"), "b:9093", file);

        assertThat(c.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.truststore.password", "from-env").doesNotContainKey("bootstrap.servers");
        assertThat(c.client().describe()).contains("security.protocol=SASL_SSL", "sasl.jaas.config=[hidden]")
                .doesNotContain("pa55-w0rd", "from-env", "changeit");
    }

    @Test
    void unknownFixedInvalidAndContradictorySettingsAreErrors() throws IOException {
        assertThatThrownBy(() -> cluster(Map.of(), null, write("a", "sasl.jass.config=x\n")))
                .hasMessageContaining("unknown Kafka client setting 'sasl.jass.config'").hasMessageContaining("did you mean sasl.jaas.config?");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("b", "acks=1\n")))
                .hasMessageContaining("'acks' cannot be set").hasMessageContaining("acks=all");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("c", "application.id=x\n"))).hasMessageContaining("--application-id");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("d", "linger.ms=soon\n"))).hasMessageContaining("linger.ms");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("e", "ssl.truststore.location=/ca.p12\n")))
                .hasMessageContaining("security.protocol=PLAINTEXT does not use TLS");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("f", "security.protocol=SSL\nsasl.mechanism=PLAIN\n")))
                .hasMessageContaining("does not use SASL");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("g", "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=" + JAAS + "\n"))).hasMessageContaining("does not match the login module ScramLoginModule")
                .hasMessageNotContaining("pa55-w0rd");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("h", "security.protocol=SASL_SSL\n")))
                .hasMessageContaining("needs sasl.jaas.config");
        assertThatThrownBy(() -> cluster(Map.of("REACHWATCH_SECURITY_PROTOCL", "SSL"), null, null))
                .hasMessageContaining("unknown environment variable(s) [REACHWATCH_SECURITY_PROTOCL]");
        assertThatThrownBy(() -> cluster(Map.of(), null, dir.resolve("missing.properties"))).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> cluster(Map.of(), null, write("i", "schema.registry.url=http://r:8081\nbasic.auth.credentials.source=URL\n"
                + "basic.auth.user.info=u:registry-secret\n")).client().registry("http://r:8081"))
                .hasMessageContaining("basic.auth.user.info is set but").hasMessageNotContaining("registry-secret");
    }

    @Test
    void aSecretNeverReachesTheTerminalEvenInAnError() throws IOException {
        Path file = write("bad.properties", "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + JAAS + "\n");
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("replay", "--input", write("m.jsonl", "").toString(), "--events-out", dir.resolve("e.jsonl").toString(),
                "--bootstrap-servers", "localhost:1", "--kafka-config", file.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(err.toString()).contains("does not match the login module").doesNotContain("pa55-w0rd");
    }

    @Test
    void clientSettingsForAnEmbeddedBrokerAreAnError() throws IOException {
        Path file = write("client.properties", "security.protocol=SSL\n");
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("replay", "--input", write("m.jsonl", "").toString(), "--events-out", dir.resolve("e.jsonl").toString(),
                "--kafka-config", file.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("the embedded broker is plaintext; give --bootstrap-servers");
    }

    @Test
    void detectorSettingsComeFromTheEnvironmentOverTheFile() throws IOException {
        Path file = write("detector.properties", "detector.window.size=PT5M\ndetector.min.samples=12\n"
                + "topic.measurements.retention.ms=86400000\n");
        DetectorOptions options = new DetectorOptions(new Environment(Map.of("REACHWATCH_DETECTOR_WINDOW_SIZE", "PT10M",
                "REACHWATCH_TOPIC_WINDOWS_RETENTION_MS", "3600000")));
        options.config = file;

        DetectorOptions.DetectorConfig config = options.load();

        assertThat(config.settings().windowSize()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.settings().minSamples()).isEqualTo(12);
        assertThat(config.topics().configs(DetectorTopicConfigs.Role.MEASUREMENTS)).containsEntry("retention.ms", "86400000");
        assertThat(config.topics().configs(DetectorTopicConfigs.Role.WINDOWS)).containsEntry("retention.ms", "3600000");
    }

    @Test
    void detectorConfigRefusesForeignAndUnknownKeys() throws IOException {
        DetectorOptions options = new DetectorOptions(new Environment(Map.of()));
        options.config = write("d1.properties", "security.protocol=SSL\n");
        assertThatThrownBy(options::load).hasMessageContaining("unknown setting(s) [security.protocol]")
                .hasMessageContaining("--kafka-config");
        options.config = write("d2.properties", "detector.windw.size=PT5M\n");
        assertThatThrownBy(options::load).hasMessageContaining("unknown detector setting detector.windw.size");
        DetectorOptions fromEnv = new DetectorOptions(new Environment(Map.of("REACHWATCH_DETECTOR_WINDOW_SIZ", "PT1M")));
        assertThatThrownBy(fromEnv::load).hasMessageContaining("REACHWATCH_DETECTOR_WINDOW_SIZ");
    }

    @Test
    void probeFileKeysThatMovedToTheKafkaConfigAreAClearError() throws IOException {
        Path file = write("probe.properties", "probe.country=PK\nprobe.bootstrap-servers=old:9092\n");
        StringWriter err = new StringWriter();
        CommandLine cli = ReachwatchCli.commandLine(Map.of());
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("probe", "--once", "--print", "--config", file.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("probe.bootstrap-servers", "bootstrap.servers in --kafka-config");
    }

    @Test
    void probeSettingsComeFromFlagThenEnvironmentThenFile() throws Exception {
        Path file = write("probe.properties", "probe.country=KE\nprobe.asn=AS33771\nprobe.id=from-file\n");
        try (java.net.DatagramSocket silentDns = new java.net.DatagramSocket(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            StringWriter out = new StringWriter();
            CommandLine cli = ReachwatchCli.commandLine(Map.of("REACHWATCH_PROBE_ASN", "AS36866", "REACHWATCH_PROBE_ID", "from-env",
                    "REACHWATCH_PROBE_CONFIG", file.toString()));
            cli.setOut(new PrintWriter(out, true));

            int exit = cli.execute("probe", "--once", "--print", "--probe-id", "from-flag", "--resolver",
                    "127.0.0.1:" + silentDns.getLocalPort(), "--timeout-seconds", "1", "--target", "x.com");

            assertThat(exit).isZero();
            org.reachwatch.avro.ProbeMeasurement m = org.reachwatch.schemas.json.AvroJson.fromJsonLine(out.toString().trim(),
                    org.reachwatch.avro.ProbeMeasurement.class);
            assertThat(m.getCountry()).isEqualTo("KE");
            assertThat(m.getAsn()).isEqualTo("AS36866");
            assertThat(m.getProbeId()).isEqualTo("from-flag");
        }
    }

    private Cluster cluster(Map<String, String> env, String flag, Path file) {
        ClusterOptions options = new ClusterOptions(new Environment(env));
        options.bootstrapServers = flag;
        options.kafkaConfig = file;
        return options.resolve("default:9092", "http://default:8081");
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
