package org.reachwatch.cli;

import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.RegistryServerConfig;
import org.reachwatch.registry.SchemaRegistryServer;

/**
 * The embedded default: a real KRaft broker and a Schema Registry in this JVM, or the cluster the
 * user gave. Pieces the user did not give are started here (the registry on the given cluster,
 * logging in with its client settings). Closing stops only what this class started.
 */
final class EmbeddedStack implements AutoCloseable {
    private final EmbeddedKafkaBroker broker;
    private final SchemaRegistryServer registry;
    private final Cluster cluster;

    private EmbeddedStack(EmbeddedKafkaBroker broker, SchemaRegistryServer registry, Cluster cluster) {
        this.broker = broker;
        this.registry = registry;
        this.cluster = cluster;
    }

    /** Uses the given addresses where set (plaintext); starts embedded pieces for what is missing. */
    static EmbeddedStack connectOrStart(String bootstrapServers, String registryUrl, int registryPort) {
        return connectOrStart(Cluster.plain(bootstrapServers, registryUrl), registryPort);
    }

    /**
     * Uses {@code given} where its addresses are set; starts an embedded broker when it has none and an
     * embedded registry (on 127.0.0.1, on the given or embedded broker) when it has no registry URL.
     *
     * @throws IllegalArgumentException when client settings are given for a piece that is embedded
     *                                  (the embedded broker and registry are plaintext, without logins)
     */
    static EmbeddedStack connectOrStart(Cluster given, int registryPort) {
        if (given.bootstrapServers() == null && given.client().hasKafkaSettings()) {
            throw new IllegalArgumentException("Kafka client settings were given (--kafka-config or REACHWATCH_*) but no cluster: "
                    + "the embedded broker is plaintext; give --bootstrap-servers, or drop the settings");
        }
        if (given.registryUrl() == null && given.client().hasRegistrySettings()) {
            throw new IllegalArgumentException("registry client settings were given but no registry: the embedded registry "
                    + "has no login; give --schema-registry-url, or drop the settings");
        }
        EmbeddedKafkaBroker broker = null;
        SchemaRegistryServer registry = null;
        try {
            String bootstrapServers = given.bootstrapServers();
            if (bootstrapServers == null) {
                broker = EmbeddedKafkaBroker.start();
                bootstrapServers = broker.bootstrapServers();
            }
            String registryUrl = given.registryUrl();
            if (registryUrl == null) {
                registry = SchemaRegistryServer.start(RegistryServerConfig.builder(bootstrapServers).port(registryPort)
                        .storeClientConfig(given.kafka()).build());
                registryUrl = registry.url();
            }
            Cluster cluster = given.at(bootstrapServers, registryUrl);
            cluster.configureRegistryClient();
            return new EmbeddedStack(broker, registry, cluster);
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /** The cluster in use: addresses filled in, with the given client settings. */
    Cluster cluster() {
        return cluster;
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    String registryUrl() {
        return cluster.registryUrl();
    }

    boolean embedded() {
        return broker != null;
    }

    /** The embedded broker's start-up time in ms, or -1 when none was started. */
    long brokerStartupMillis() {
        return broker == null ? -1 : broker.lastStartupTime().toMillis();
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }
}
