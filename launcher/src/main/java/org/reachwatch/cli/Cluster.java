package org.reachwatch.cli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.reachwatch.schemas.kafka.KafkaClients;
import org.reachwatch.schemas.registry.HttpSchemaRegistryClient;
import org.reachwatch.schemas.registry.RegistryClientConfig;
import org.reachwatch.schemas.registry.SchemaRegistryClients;
import org.reachwatch.schemas.registry.SchemaRegistryException;

/**
 * A Kafka cluster and Schema Registry as a command resolved them ({@link ClusterOptions}): null
 * addresses stand for embedded pieces still to be started. Secrets stay inside; {@link #describe()}
 * is safe to print.
 */
record Cluster(String bootstrapServers, String registryUrl, KafkaClientSettings client) {
    /** A plaintext cluster at these addresses, with no client settings. */
    static Cluster plain(String bootstrapServers, String registryUrl) {
        return new Cluster(bootstrapServers, registryUrl, KafkaClientSettings.none());
    }

    /** Kafka client settings for every client of this cluster (without {@code bootstrap.servers}). */
    Map<String, Object> kafka() {
        return client.kafka();
    }

    /** Same settings, another address (an embedded broker or registry that was started for the missing piece). */
    Cluster at(String bootstrapServers, String registryUrl) {
        return new Cluster(bootstrapServers, registryUrl, client);
    }

    /**
     * Makes the registry client for {@link #registryUrl} with the configured credentials and TLS settings
     * the one every serde and processor of this process uses for that URL (see {@link SchemaRegistryClients}).
     */
    HttpSchemaRegistryClient configureRegistryClient() {
        return (HttpSchemaRegistryClient) SchemaRegistryClients.forConfig(client.registry(registryUrl));
    }

    /** The registry URL without credentials. */
    String maskedRegistryUrl() {
        return RegistryClientConfig.mask(registryUrl);
    }

    /** {@code bootstrap servers (security protocol), registry URL}, without secrets. */
    String describe() {
        Object protocol = kafka().getOrDefault("security.protocol", "PLAINTEXT");
        return bootstrapServers + " (" + protocol + "), registry " + maskedRegistryUrl();
    }

    /**
     * Logs in to Kafka and the registry once, so wrong credentials fail at start with one clear line
     * instead of inside a client thread.
     *
     * @return false when Kafka did not answer within {@code timeout} (not an error for a probe that spools)
     * @throws IllegalArgumentException when the broker or the registry refused the login or its rights
     */
    boolean checkAccess(Duration timeout) {
        Map<String, Object> config = KafkaClients.only(AdminClientConfig.configNames(), kafka());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        boolean reachable;
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            reachable = true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException || e.getCause() instanceof AuthorizationException) {
                throw new IllegalArgumentException("Kafka at " + bootstrapServers + " refused the login: "
                        + Secrets.scrub(e.getCause().getMessage()), e.getCause());
            }
            reachable = false;
        } catch (TimeoutException e) {
            reachable = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to Kafka", e);
        }
        try {
            configureRegistryClient().checkAccess();
        } catch (SchemaRegistryException e) {
            if (e.errorCode() == SchemaRegistryException.UNAUTHORIZED || e.errorCode() == SchemaRegistryException.FORBIDDEN) {
                throw new IllegalArgumentException(Secrets.scrub(e.getMessage()), e);
            }
            reachable = false;
        }
        return reachable;
    }
}
