package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.RegistryServerConfig;
import org.reachwatch.registry.SchemaRegistryServer;

/**
 * An embedded broker and registry whose data and addresses outlive the process: everything lives in
 * one directory, and the next start on it is the same cluster on the same ports with the same
 * schemas and ids.
 *
 * <p>Layout of the data directory: {@code kafka/} holds the broker's logs and KRaft metadata, and so
 * every topic, including {@code _schemas} where the registry keeps its state; {@value #STATE_FILE}
 * holds the ports chosen at the first start ({@code broker.port}, {@code controller.port},
 * {@code registry.port}). A port given explicitly replaces the kept one (and is kept from then on),
 * except the controller's, which the KRaft metadata records.
 *
 * <p>Fails with {@link IllegalStateException} when a port is taken (another stack, another Kafka) or
 * the directory is in use by a running broker.
 */
final class PersistentStack implements AutoCloseable {
    static final String STATE_FILE = "stack.properties";
    static final int DEFAULT_BROKER_PORT = 9092;

    private final Path dataDir;
    private final EmbeddedKafkaBroker broker;
    private final SchemaRegistryServer registry;

    private PersistentStack(Path dataDir, EmbeddedKafkaBroker broker, SchemaRegistryServer registry) {
        this.dataDir = dataDir;
        this.broker = broker;
        this.registry = registry;
    }

    /**
     * Starts (or restarts) the stack kept in {@code dataDir}.
     *
     * @param brokerPort       null: the kept port, else {@value #DEFAULT_BROKER_PORT}; 0: any free port
     * @param registryPort     null: the registry settings' listener, else the kept port, else 8081; 0: any free port
     * @param registrySettings Confluent-named registry server settings (listeners, authentication, TLS), or null
     */
    static PersistentStack start(Path dataDir, Integer brokerPort, Integer registryPort, Properties registrySettings,
                                 String registryOrigin) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Properties kept = readState(dir);
        int broker = brokerPort != null ? brokerPort : intOf(kept, "broker.port", DEFAULT_BROKER_PORT);
        int controller = intOf(kept, "controller.port", 0);
        broker = broker == 0 ? freePort() : requireFree(broker, "broker", "--broker-port");
        controller = controller == 0 ? freePort() : requireFree(controller, "KRaft controller", null);
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).ports(broker, controller).start();
        try {
            RegistryServerConfig.Builder config = RegistryServerConfig.builder(kafka.bootstrapServers());
            if (registrySettings != null) {
                config.apply(registrySettings, registryOrigin);
            }
            if (registryPort != null) {
                config.port(registryPort);
            } else if (registrySettings == null || registrySettings.getProperty("listeners") == null) {
                config.port(intOf(kept, "registry.port", RegistryServerConfig.DEFAULT_PORT));
            }
            SchemaRegistryServer registry = SchemaRegistryServer.start(config.build());
            PersistentStack stack = new PersistentStack(dir, kafka, registry);
            stack.writeState(controller);
            return stack;
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
    }

    Path dataDir() {
        return dataDir;
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    String registryUrl() {
        return registry.url();
    }

    long brokerStartupMillis() {
        return broker.lastStartupTime().toMillis();
    }

    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            broker.close();
        }
    }

    private static Properties readState(Path dir) {
        Properties p = new Properties();
        Path file = dir.resolve(STATE_FILE);
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return p;
    }

    private void writeState(int controllerPort) {
        Properties p = new Properties();
        p.setProperty("broker.port", Integer.toString(broker.port()));
        p.setProperty("controller.port", Integer.toString(controllerPort));
        p.setProperty("registry.port", Integer.toString(registry.address().getPort()));
        try (OutputStream out = Files.newOutputStream(dataDir.resolve(STATE_FILE))) {
            p.store(out, "reachwatch stack: ports kept across restarts");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(STATE_FILE), e);
        }
    }

    private static int intOf(Properties p, String key, int fallback) {
        String v = p.getProperty(key);
        try {
            return v == null ? fallback : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(key + " in " + STATE_FILE + " is not a port: " + v);
        }
    }

    private static int requireFree(int port, String what, String flag) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("port " + port + " for the " + what + " is in use (another stack or Kafka running?)"
                    + (flag == null ? "" : "; choose another with " + flag));
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port", e);
        }
    }
}
