package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * docker/ cannot run here (no Docker engine), so it is checked statically: docker-compose's own
 * parser accepts both files (and rejects a broken copy, so the check is not a no-op), every
 * dependency names a service, topics are created before any producer starts, ports are published
 * on the host's loopback only, the commands and REACHWATCH_* settings the reachwatch services use
 * are accepted by today's CLI, and the secured variant's certificate script produces a key store
 * and trust store that a TLS client verifying the host name accepts. Needs docker-compose on the
 * PATH (a prerequisite in the README; {@code .ci/run} installs it); installs nothing.
 */
class DockerComposeIT {
    private static final Path DOCKER = Path.of("..", "docker").toAbsolutePath().normalize();
    private static final List<String> REACHWATCH_SERVICES = List.of("topics", "detector", "probe");
    private static final Map<String, String> PASSWORDS = Map.of("KAFKA_PASSWORD", "k-secret", "REGISTRY_PASSWORD", "r-secret",
            "TLS_PASSWORD", "t-secret", "PROBE_COUNTRY", "ZZ", "PROBE_ASN", "AS0");

    @ParameterizedTest
    @ValueSource(strings = {"docker-compose.yml", "compose.secure.yml"})
    void composeFileIsValidForDockerCompose(String file) throws Exception {
        Result result = run(Map.of(), DOCKER.resolve("check-compose.sh").toString(), DOCKER.resolve(file).toString());

        assertThat(result.exitCode()).as("docker-compose config output: %s", result.output()).isZero();
    }

    @Test
    void brokenComposeFileIsRejected(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("docker-compose.yml");
        Files.writeString(broken, Files.readString(DOCKER.resolve("docker-compose.yml"))
                .replace("depends_on:", "depends_onn:"));

        Result result = run(Map.of(), DOCKER.resolve("check-compose.sh").toString(), broken.toString());

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("depends_onn");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker-compose.yml", "compose.secure.yml"})
    void servicesDependOnServicesThatExistAndRunCommandsTheCliAccepts(String file) throws IOException {
        JsonNode services = services(file);

        assertThat(services.fieldNames()).toIterable().contains("kafka", "schema-registry", "topics", "detector", "probe");
        services.fields().forEachRemaining(service -> service.getValue().path("depends_on").fieldNames().forEachRemaining(dependency ->
                assertThat(services.has(dependency)).as("%s depends on %s", service.getKey(), dependency).isTrue()));
        for (String name : REACHWATCH_SERVICES) {
            List<String> args = new ArrayList<>();
            services.get(name).get("command").forEach(arg -> args.add(interpolate(arg.asText())));
            CommandLine.ParseResult parsed = ReachwatchCli.commandLine(Map.of()).parseArgs(args.toArray(String[]::new));
            assertThat(parsed.subcommand()).as("service %s runs a reachwatch subcommand", name).isNotNull();
            assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(args.get(0));
        }
        assertThat(services.get("topics").get("command").get(0).asText()).isEqualTo("topics");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker-compose.yml", "compose.secure.yml"})
    void topicsExistBeforeAnyProducerStartsAndPortsStayOnLoopback(String file) throws IOException {
        JsonNode services = services(file);

        for (String producer : List.of("detector", "probe")) {
            assertThat(services.get(producer).path("depends_on").path("topics").path("condition").asText())
                    .as("%s waits until the topics service has created every topic", producer)
                    .isEqualTo("service_completed_successfully");
        }
        services.fields().forEachRemaining(service -> service.getValue().path("ports").forEach(port ->
                assertThat(port.asText()).as("published port of %s", service.getKey()).startsWith("127.0.0.1:")));
    }

    @Test
    void securedServicesAreConfiguredWithKnownSettingsThatResolveToSaslSsl() throws IOException {
        JsonNode services = services("compose.secure.yml");

        for (String name : REACHWATCH_SERVICES) {
            Map<String, String> env = new HashMap<>();
            services.get(name).get("environment").fields().forEachRemaining(e -> env.put(e.getKey(), interpolate(e.getValue().asText())));
            assertThat(KnownSettings.variables()).as("variables of %s", name).containsAll(env.keySet());

            Cluster cluster = new ClusterOptions(new Environment(env)).resolve("unused:9092", "http://unused:8081");

            assertThat(cluster.bootstrapServers()).isEqualTo("kafka:9093");
            assertThat(cluster.registryUrl()).isEqualTo("https://schema-registry:8081");
            assertThat(cluster.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512");
            assertThat(cluster.client().hasRegistrySettings()).isTrue();
        }
        assertThat(services.get("kafka").path("ports").toString()).doesNotContain("9093").doesNotContain("9095");
    }

    @Test
    void securedScriptsParseAndTheirCertificatesPassHostNameVerification(@TempDir Path dir) throws Exception {
        assertThat(run(Map.of(), "bash", "-n", DOCKER.resolve("secure/kafka-secure.sh").toString()).exitCode()).isZero();
        Path secrets = dir.resolve("secrets");
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        // keytool runs eight times: a JVM tuned for start-up instead of long runs keeps that short.
        Result made = run(Map.of("TLS_PASSWORD", "t-secret", "REGISTRY_PASSWORD", "r-secret", "PATH", javaBin + ":" + System.getenv("PATH"),
                        "JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"),
                "bash", DOCKER.resolve("secure/make-secrets.sh").toString(), secrets.toString());
        assertThat(made.exitCode()).as(made.output()).isZero();
        assertThat(Files.readString(secrets.resolve("registry-users.properties"))).isEqualTo("reachwatch: r-secret,admin\n");
        assertThat(Files.readString(secrets.resolve("admin.properties"))).contains("security.protocol=SASL_SSL", "username=\"admin\"");

        SSLContext server = SSLContext.getInstance("TLS");
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(secrets.resolve("server.keystore.p12")), "t-secret".toCharArray());
        server.init(keys.getKeyManagers(), null, null);
        SSLContext client = SSLContext.getInstance("TLS");
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(secrets.resolve("ca.truststore.p12")));
        client.init(null, trust.getTrustManagers(), null);
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.getOutputStream().write(42);
                    s.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the client's assertion reports a failed handshake
                }
            });
            accept.start();
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("localhost", listener.getLocalPort())) {
                SSLParameters params = socket.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(params);
                assertThat(socket.getInputStream().read()).isEqualTo(42);
            }
            accept.join(10_000);
        }
    }

    @Test
    void dockerfileRunsTheLauncherMainClass() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));

        assertThat(dockerfile).contains(ReachwatchCli.class.getName());
        assertThat(dockerfile).contains("launcher/target/lib", "launcher/target/classes");
    }

    /** The file's services, YAML anchors and aliases resolved (SnakeYAML does; Jackson's YAML tree does not). */
    private static JsonNode services(String file) throws IOException {
        try (java.io.Reader reader = Files.newBufferedReader(DOCKER.resolve(file))) {
            Object yaml = new org.yaml.snakeyaml.Yaml().load(reader);
            return new ObjectMapper().valueToTree(yaml).get("services");
        }
    }

    /** Replaces {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:?message}} as compose would with test values. */
    private static String interpolate(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{(\\w+)(?::[-?][^}]*)?}").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(PASSWORDS.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static KeyStore load(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "t-secret".toCharArray());
            return store;
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
