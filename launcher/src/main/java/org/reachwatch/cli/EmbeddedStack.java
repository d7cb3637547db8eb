package org.reachwatch.cli;

import java.util.Map;

import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;

/**
 * The embedded default: a real KRaft broker and a Schema Registry in this JVM, or the addresses of
 * an existing cluster when the user gave them. Closing stops only what this class started.
 */
final class EmbeddedStack implements AutoCloseable {
    private final EmbeddedKafkaBroker broker;
    private final SchemaRegistryServer registry;
    private final String bootstrapServers;
    private final String registryUrl;

    private EmbeddedStack(EmbeddedKafkaBroker broker, SchemaRegistryServer registry, String bootstrapServers, String registryUrl) {
        this.broker = broker;
        this.registry = registry;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    /** Uses the given cluster where both addresses are set; starts embedded pieces for what is missing. */
    static EmbeddedStack connectOrStart(String bootstrapServers, String registryUrl, int registryPort) {
        EmbeddedKafkaBroker broker = null;
        SchemaRegistryServer registry = null;
        try {
            if (bootstrapServers == null) {
                broker = EmbeddedKafkaBroker.start(Map.of());
                bootstrapServers = broker.bootstrapServers();
            }
            if (registryUrl == null) {
                registry = SchemaRegistryServer.start(bootstrapServers, registryPort);
                registryUrl = registry.url();
            }
            return new EmbeddedStack(broker, registry, bootstrapServers, registryUrl);
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

    String bootstrapServers() {
        return bootstrapServers;
    }

    String registryUrl() {
        return registryUrl;
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
