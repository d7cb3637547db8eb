package org.reachwatch.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The options of every command that talks to a Kafka cluster: where it is, where its Schema Registry
 * is, and how to log in. Each value comes from, in decreasing priority: the flag, the environment
 * ({@code REACHWATCH_BOOTSTRAP_SERVERS}, {@code REACHWATCH_SCHEMA_REGISTRY_URL},
 * {@code REACHWATCH_KAFKA_CONFIG}; any client setting as {@code REACHWATCH_<NAME>}), the
 * {@code --kafka-config} file ({@code bootstrap.servers}, {@code schema.registry.url}, and the rest),
 * then the command's default.
 */
final class ClusterOptions {
    static final String KAFKA_CONFIG_VARIABLE = "REACHWATCH_KAFKA_CONFIG";

    private final Environment env;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (env REACHWATCH_BOOTSTRAP_SERVERS, or bootstrap.servers in --kafka-config).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema Registry URL; user info in it is the registry login (env REACHWATCH_SCHEMA_REGISTRY_URL, "
                    + "or schema.registry.url in --kafka-config).")
    String registryUrl;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties: standard names (security.protocol, ssl.*, sasl.*, tuning) and Confluent's "
                    + "registry client names (basic.auth.credentials.source, basic.auth.user.info, schema.registry.ssl.*). "
                    + "Env REACHWATCH_KAFKA_CONFIG; each setting also as REACHWATCH_<NAME> (e.g. REACHWATCH_SASL_JAAS_CONFIG).")
    Path kafkaConfig;

    ClusterOptions(Environment env) {
        this.env = env;
    }

    /**
     * The cluster to use. A null default means "start an embedded one" for that piece; then giving client
     * settings for it is an error (the embedded broker and registry are plaintext and open on loopback).
     */
    Cluster resolve(String defaultBootstrapServers, String defaultRegistryUrl) {
        env.requireKnown(KnownSettings.variables());
        Path file = kafkaConfig != null ? kafkaConfig : pathOrNull(env.get(KAFKA_CONFIG_VARIABLE));
        KafkaClientSettings client = KafkaClientSettings.load(file, env);
        String bootstrap = first(bootstrapServers, client.bootstrapServers(), defaultBootstrapServers);
        String registry = first(registryUrl, client.registryUrl(), defaultRegistryUrl);
        if (registryUrl != null) {
            Secrets.remember(userInfo(registryUrl));
        }
        return new Cluster(bootstrap, registry, client);
    }

    private static String userInfo(String url) {
        int scheme = url.indexOf("://");
        int at = url.indexOf('@');
        return scheme >= 0 && at > scheme ? url.substring(scheme + 3, at) : null;
    }

    private static Path pathOrNull(String value) {
        return value == null ? null : Path.of(value);
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}
