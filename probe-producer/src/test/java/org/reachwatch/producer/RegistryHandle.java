package org.reachwatch.producer;

import org.reachwatch.registry.SchemaRegistryServer;

/** The project's real Schema Registry (HTTP, state in the broker's {@code _schemas} topic) for integration tests. */
public final class RegistryHandle implements AutoCloseable {
    private final SchemaRegistryServer server;

    private RegistryHandle(SchemaRegistryServer server) {
        this.server = server;
    }

    /** Starts a registry on a free port, storing its schemas in the given broker. */
    public static RegistryHandle start(String bootstrapServers) {
        return new RegistryHandle(SchemaRegistryServer.start(bootstrapServers, 0));
    }

    public String url() {
        return server.url();
    }

    /** HTTP requests served, to prove the real registry was used. */
    public long requests() {
        return server.requestCount();
    }

    @Override
    public void close() {
        server.close();
    }
}
