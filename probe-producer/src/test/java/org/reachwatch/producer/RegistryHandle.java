package org.reachwatch.producer;

/** The Schema Registry used by integration tests: in-memory until the real server is available on this branch. */
public final class RegistryHandle implements AutoCloseable {
    private final String url;

    private RegistryHandle(String url) {
        this.url = url;
    }

    public static RegistryHandle start(String bootstrapServers) {
        return new RegistryHandle("mem://it-" + bootstrapServers);
    }

    public String url() {
        return url;
    }

    @Override
    public void close() {
    }
}
