package org.reachwatch.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the client for a {@code schema.registry.url}: {@code http(s)://...} gives an
 * {@link HttpSchemaRegistryClient}, one per URL per JVM so its cache is shared by every serde;
 * {@code mem://scope} gives the {@link InMemorySchemaRegistryClient} of that scope (tests).
 */
public final class SchemaRegistryClients {
    private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

    private SchemaRegistryClients() {
    }

    public static SchemaRegistryClient forUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("schema.registry.url is not set");
        }
        String first = url.split(",")[0].trim();
        if (first.startsWith("mem://")) {
            return CLIENTS.computeIfAbsent(first, u -> new InMemorySchemaRegistryClient());
        }
        if (!first.startsWith("http://") && !first.startsWith("https://")) {
            throw new IllegalArgumentException("schema.registry.url must start with http://, https:// or mem://, got " + url);
        }
        return CLIENTS.computeIfAbsent(first, HttpSchemaRegistryClient::new);
    }

    /** Forgets the in-memory registry of {@code mem://scope} (between tests). */
    public static void dropScope(String url) {
        CLIENTS.remove(url);
    }
}
