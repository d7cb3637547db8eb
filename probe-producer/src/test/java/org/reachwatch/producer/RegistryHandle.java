package org.reachwatch.producer;

import java.lang.reflect.InvocationTargetException;

/**
 * The Schema Registry for integration tests: the project's real server
 * ({@code org.reachwatch.registry.SchemaRegistryServer}, module schema-registry) when it is on the
 * classpath, else the in-memory registry ({@code mem://}). Looked up reflectively so that this
 * branch builds before the registry branch is merged, and uses the real server as soon as it is.
 */
public final class RegistryHandle implements AutoCloseable {
    private static final String SERVER = "org.reachwatch.registry.SchemaRegistryServer";

    private final String url;
    private final AutoCloseable server;

    private RegistryHandle(String url, AutoCloseable server) {
        this.url = url;
        this.server = server;
    }

    public static RegistryHandle start(String bootstrapServers) {
        Class<?> type;
        try {
            type = Class.forName(SERVER);
        } catch (ClassNotFoundException e) {
            return new RegistryHandle("mem://it-" + bootstrapServers, null);
        }
        try {
            Object server = type.getMethod("start", String.class, int.class).invoke(null, bootstrapServers, 0);
            return new RegistryHandle((String) type.getMethod("url").invoke(server), (AutoCloseable) server);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("Schema Registry server did not start", e.getCause());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(SERVER + " no longer has start(String, int) / url() / close()", e);
        }
    }

    /** True when the real HTTP registry is used. */
    public boolean real() {
        return server != null;
    }

    public String url() {
        return url;
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close();
        }
    }
}
