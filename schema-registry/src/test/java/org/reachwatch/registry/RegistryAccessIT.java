package org.reachwatch.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.embedded.TlsMaterial;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.registry.RegistryClientConfig;
import org.reachwatch.schemas.registry.SchemaRegistryException;

/**
 * The registry is not open to the world: loopback by default, HTTP basic authentication and TLS
 * with Confluent's setting names, and request bodies capped.
 */
class RegistryAccessIT {
    static final Schema SCHEMA = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"Access\",\"namespace\":\"t\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    static final String BODY = RegistryHttp.schemaBody(SCHEMA.toString());

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void listensOnLoopbackUnlessToldOtherwise() {
        try (SchemaRegistryServer server = SchemaRegistryServer.start(broker.bootstrapServers(), 0)) {
            assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
            assertThat(server.url()).startsWith("http://127.0.0.1:");
        }
    }

    @Test
    void basicAuthRefusesRequestsWithoutTheRightCredentials() throws IOException {
        Path users = dir.resolve("users.properties");
        // alice in clear with the allowed role, bob as MD5 of "bob-pw" without it
        Files.writeString(users, "# user: password,roles\nalice: alice-pw,admin\nbob: MD5:" + md5("bob-pw") + ",reader\n");
        Properties settings = new Properties();
        settings.setProperty("authentication.method", "BASIC");
        settings.setProperty("authentication.realm", "SchemaRegistry-Props");
        settings.setProperty("authentication.roles", "admin");
        settings.setProperty("authentication.users.file", users.toString());
        settings.setProperty("listeners", "http://127.0.0.1:0");
        RegistryServerConfig config = RegistryServerConfig.builder(broker.bootstrapServers()).apply(settings, "test").build();
        try (SchemaRegistryServer server = SchemaRegistryServer.start(config)) {
            RegistryHttp anonymous = new RegistryHttp(server.url());
            RegistryHttp.Answer refused = anonymous.post("/subjects/access-value/versions", BODY);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.errorCode()).isEqualTo(401);
            assertThat(anonymous.get("/subjects").status()).isEqualTo(401);
            assertThat(anonymous.delete("/subjects/access-value").status()).isEqualTo(401);
            assertThat(anonymous.put("/config", "{\"compatibility\":\"NONE\"}").status()).isEqualTo(401);

            assertThat(status(server.url() + "/subjects", "alice:wrong")).isEqualTo(401);
            assertThat(status(server.url() + "/subjects", "bob:bob-pw")).as("bob lacks the admin role").isEqualTo(403);
            assertThat(status(server.url() + "/subjects", "alice:alice-pw")).isEqualTo(200);

            HttpSchemaRegistryClient viaUrl = new HttpSchemaRegistryClient(server.url().replace("://", "://alice:alice-pw@"));
            int id = viaUrl.register("access-value", SCHEMA);
            HttpSchemaRegistryClient viaUserInfo = new HttpSchemaRegistryClient(RegistryClientConfig.from(Map.of(
                    RegistryClientConfig.URL, server.url(), RegistryClientConfig.CREDENTIALS_SOURCE, "USER_INFO",
                    RegistryClientConfig.USER_INFO, "alice:alice-pw")));
            assertThat(viaUserInfo.byId(id)).isEqualTo(SCHEMA);

            HttpSchemaRegistryClient wrong = new HttpSchemaRegistryClient(server.url().replace("://", "://alice:nope@"));
            assertThatThrownBy(() -> wrong.latest("access-value"))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(401))
                    .hasMessageContaining("refused the credentials").hasMessageNotContaining("nope");
        }
    }

    @Test
    void oversizedBodiesAreRefusedWith413AndTheServerStaysUp() throws Exception {
        RegistryServerConfig config = RegistryServerConfig.builder(broker.bootstrapServers()).port(0).maxRequestBytes(16 * 1024).build();
        try (SchemaRegistryServer server = SchemaRegistryServer.start(config)) {
            String big = "{\"schema\":\"" + "x".repeat(64 * 1024) + "\"}";
            RegistryHttp http = new RegistryHttp(server.url());
            RegistryHttp.Answer declared = http.post("/subjects/big-value/versions", big);
            assertThat(declared.status()).isEqualTo(413);
            assertThat(declared.errorCode()).isEqualTo(413);

            // Without Content-Length (chunked): the server stops reading at the cap.
            HttpResponse<String> chunked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.url() + "/subjects/big-value/versions"))
                    .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(chunked.statusCode()).isEqualTo(413);

            assertThat(http.post("/subjects/small-value/versions", BODY).status()).isEqualTo(200);
        }
    }

    @Test
    void httpsWithConfluentSettingNamesOnBothSides() throws IOException {
        TlsMaterial tls = TlsMaterial.generate(dir.resolve("tls"));
        Properties settings = new Properties();
        settings.setProperty("listeners", "https://127.0.0.1:0");
        settings.setProperty("ssl.keystore.location", tls.keystore().toString());
        settings.setProperty("ssl.keystore.password", tls.password());
        settings.setProperty("ssl.key.password", tls.password());
        settings.setProperty("ssl.keystore.type", "PKCS12");
        try (SchemaRegistryServer server = SchemaRegistryServer.start(
                RegistryServerConfig.builder(broker.bootstrapServers()).apply(settings, "test").build())) {
            assertThat(server.url()).startsWith("https://127.0.0.1:");
            Map<String, String> client = new HashMap<>();
            client.put(RegistryClientConfig.URL, server.url());
            client.put(RegistryClientConfig.TRUSTSTORE_LOCATION, tls.truststore().toString());
            client.put(RegistryClientConfig.TRUSTSTORE_PASSWORD, tls.password());
            client.put(RegistryClientConfig.TRUSTSTORE_TYPE, "PKCS12");
            int id = new HttpSchemaRegistryClient(RegistryClientConfig.from(client)).register("tls-value", SCHEMA);
            assertThat(id).isPositive();

            // A client that does not trust the CA cannot talk to it.
            assertThatThrownBy(() -> new HttpSchemaRegistryClient(server.url()).byId(id))
                    .isInstanceOfSatisfying(SchemaRegistryException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE));
        }
    }

    @Test
    void settingsThatWouldBeIgnoredOrContradictAreErrors() throws IOException {
        assertThatThrownBy(() -> config("listenres", "http://127.0.0.1:0")).hasMessageContaining("unknown registry setting(s) [listenres]");
        assertThatThrownBy(() -> config("ssl.keystore.location", "/x.p12")).hasMessageContaining("not https://");
        assertThatThrownBy(() -> config("authentication.method", "BASIC")).hasMessageContaining("needs authentication.users.file");
        assertThatThrownBy(() -> config("authentication.users.file", "/x")).hasMessageContaining("authentication.method is NONE");
        assertThatThrownBy(() -> config("kafkastore.sasl.jass.config", "x")).hasMessageContaining("not a Kafka client setting");
        assertThatThrownBy(() -> config("listeners", "https://127.0.0.1:0")).hasMessageContaining("needs ssl.keystore.location");
        Path obfuscated = Files.writeString(dir.resolve("obf.properties"), "carol: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v\n");
        Properties basic = new Properties();
        basic.setProperty("authentication.method", "BASIC");
        basic.setProperty("authentication.users.file", obfuscated.toString());
        assertThatThrownBy(() -> RegistryServerConfig.builder("localhost:9092").apply(basic, "f")).hasMessageContaining("clear or MD5");
    }

    private static RegistryServerConfig config(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return RegistryServerConfig.builder("localhost:9092").apply(p, "test.properties").build();
    }

    private static int status(String url, String userInfo) {
        try {
            HttpResponse<InputStream> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Basic "
                            + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            response.body().close();
            return response.statusCode();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String md5(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
