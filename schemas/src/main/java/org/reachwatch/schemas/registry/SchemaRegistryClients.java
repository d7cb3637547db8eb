package org.reachwatch.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the client for a {@code schema.registry.url}: {@code http(s)://...} gives an
 * {@link HttpSchemaRegistryClient}, one per registry per JVM so its cache is shared by every serde;
 * {@code mem://scope} gives the {@link InMemorySchemaRegistryClient} of that scope (tests).
 *
 * <p>A client made by {@link #forConfig} with credentials or TLS settings becomes the client of its
 * registry URL: later lookups of the bare URL ({@link #forUrl}, or a serde configured with only
 * {@code schema.registry.url}) get it too. So an application configures the registry once at
 * start (from its client configuration) and every serde and processor that knows only the URL
 * talks to the registry with those settings. Configuring the same URL again with other settings
 * replaces the client for later lookups.
 */
public final class SchemaRegistryClients {
    private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();
    private static final Map<String, HttpSchemaRegistryClient> CONFIGURED = new ConcurrentHashMap<>();

    private SchemaRegistryClients() {
    }

    /** The client for {@code url} (user info in it is sent as basic credentials). */
    public static SchemaRegistryClient forUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("schema.registry.url is not set");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith("mem://")) {
            return CLIENTS.computeIfAbsent(trimmed, u -> new InMemorySchemaRegistryClient());
        }
        return forConfig(RegistryClientConfig.of(trimmed));
    }

    /**
     * The client for a client configuration holding {@code schema.registry.url} and, optionally,
     * Confluent's credential and TLS settings (see {@link RegistryClientConfig}); other keys are ignored.
     *
     * @throws IllegalArgumentException when a registry setting is invalid, contradictory or would be ignored
     */
    public static SchemaRegistryClient forConfig(Map<String, ?> configs) {
        Object url = configs.get(RegistryClientConfig.URL);
        if (url != null && url.toString().trim().startsWith("mem://")) {
            return forUrl(url.toString());
        }
        return forConfig(RegistryClientConfig.from(configs));
    }

    /** The client for {@code config}; see the class comment for how configured clients are shared. */
    public static SchemaRegistryClient forConfig(RegistryClientConfig config) {
        if (config.plain()) {
            HttpSchemaRegistryClient configured = CONFIGURED.get(config.url());
            return configured != null ? configured : CLIENTS.computeIfAbsent(config.url(), u -> new HttpSchemaRegistryClient(config));
        }
        return CONFIGURED.compute(config.url(), (u, existing) ->
                existing != null && existing.config().equals(config) ? existing : new HttpSchemaRegistryClient(config));
    }

    /** Forgets the in-memory registry of {@code mem://scope}, or the clients of an http(s) registry (between tests). */
    public static void dropScope(String url) {
        CLIENTS.remove(url);
        if (!url.startsWith("mem://")) {
            String base = RegistryClientConfig.of(url).url();
            CLIENTS.remove(base);
            CONFIGURED.remove(base);
        }
    }
}
