package org.reachwatch.producer;

/** The Schema Registry used by integration tests: in-memory until the real server is available on this branch. */
final class RegistryHandle implements AutoCloseable {
    private final String url;

    private RegistryHandle(String url) {
        this.url = url;
    }

    static RegistryHandle start(String bootstrapServers) {
        return new RegistryHandle("mem://publisher-it");
    }

    String url() {
        return url;
    }

    @Override
    public void close() {
    }
}
