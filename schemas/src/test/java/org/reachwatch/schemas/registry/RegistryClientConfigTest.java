package org.reachwatch.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RegistryClientConfigTest {
    @Test
    void userInfoInTheUrlIsTheLoginAndNeverPrinted() {
        RegistryClientConfig config = RegistryClientConfig.of("https://alice:s3cret@registry.example:8081/");

        assertThat(config.url()).isEqualTo("https://registry.example:8081");
        assertThat(config.maskedUrl()).isEqualTo("https://***@registry.example:8081");
        assertThat(config.authorization()).isEqualTo(basic("alice:s3cret"));
        assertThat(config.toString()).doesNotContain("s3cret").doesNotContain("alice");
    }

    @Test
    void userInfoSettingAloneIsUsedEvenWithoutASource() {
        RegistryClientConfig config = RegistryClientConfig.from(Map.of(
                RegistryClientConfig.URL, "http://localhost:8081", RegistryClientConfig.USER_INFO, "bob:pw"));

        assertThat(config.authorization()).isEqualTo(basic("bob:pw"));
        assertThat(config.plain()).isFalse();
    }

    @Test
    void saslInheritTakesTheKafkaLogin() {
        RegistryClientConfig config = RegistryClientConfig.from(Map.of(
                RegistryClientConfig.URL, "http://localhost:8081",
                RegistryClientConfig.CREDENTIALS_SOURCE, "SASL_INHERIT",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"carol\" password=\"pw2\";"));

        assertThat(config.authorization()).isEqualTo(basic("carol:pw2"));
    }

    @Test
    void contradictoryOrIgnoredSettingsAreErrors() {
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "http://a:b@localhost:8081",
                RegistryClientConfig.USER_INFO, "c:d"))).hasMessageContaining("credentials given twice");
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "http://localhost:8081",
                RegistryClientConfig.CREDENTIALS_SOURCE, "URL", RegistryClientConfig.USER_INFO, "c:d")))
                .hasMessageContaining("basic.auth.user.info is set but basic.auth.credentials.source=URL");
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "http://localhost:8081",
                RegistryClientConfig.CREDENTIALS_SOURCE, "USER_INFO"))).hasMessageContaining("needs basic.auth.user.info");
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "http://localhost:8081",
                RegistryClientConfig.CREDENTIALS_SOURCE, "TOKEN"))).hasMessageContaining("must be one of");
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "http://localhost:8081",
                RegistryClientConfig.TRUSTSTORE_LOCATION, "/nonexistent"))).hasMessageContaining("is not https://");
        assertThatThrownBy(() -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "https://localhost:8081",
                RegistryClientConfig.TRUSTSTORE_LOCATION, "/nonexistent/trust.p12")))
                .hasMessageContaining("cannot read schema.registry.ssl.truststore.location");
        assertThatThrownBy(() -> RegistryClientConfig.of("http://u:p@a:1,http://b:2"))
                .hasMessageContaining("several registries").hasMessageNotContaining("u:p");
        assertThatThrownBy(() -> RegistryClientConfig.of("ftp://u:p@a:1"))
                .hasMessageContaining("http(s)://").hasMessageNotContaining("u:p");
    }

    @Test
    void errorMessagesNeverContainTheSecret() {
        Map<String, String> settings = new HashMap<>();
        settings.put(RegistryClientConfig.URL, "http://localhost:8081");
        settings.put(RegistryClientConfig.USER_INFO, "no-colon-secret");

        assertThatThrownBy(() -> RegistryClientConfig.from(settings)).hasMessageNotContaining("no-colon-secret");
    }

    @Test
    void maskHidesUserInfoInAnyUrl() {
        assertThat(RegistryClientConfig.mask("http://u:p@h:1,https://x@y:2/path")).isEqualTo("http://***@h:1,https://***@y:2/path");
        assertThat(RegistryClientConfig.mask("http://h:1")).isEqualTo("http://h:1");
    }

    @Test
    void aConfiguredClientServesLaterLookupsOfTheBareUrl() {
        SchemaRegistryClient configured = SchemaRegistryClients.forConfig(Map.of(
                RegistryClientConfig.URL, "http://registry.test:8081", RegistryClientConfig.USER_INFO, "dave:pw"));
        try {
            assertThat(SchemaRegistryClients.forUrl("http://registry.test:8081")).isSameAs(configured);
            assertThat(SchemaRegistryClients.forConfig(Map.of(RegistryClientConfig.URL, "http://registry.test:8081/")))
                    .isSameAs(configured);
        } finally {
            SchemaRegistryClients.dropScope("http://registry.test:8081");
        }
        assertThat(SchemaRegistryClients.forUrl("http://registry.test:8081")).isNotSameAs(configured);
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
