package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch stack}: a single-process Kafka broker (KRaft) plus a Schema Registry whose data
 * and ports persist in {@code --data-dir} ({@link PersistentStack}), for local runs without Docker.
 * Prints the two addresses clients need, one per line, and runs until interrupted; the shutdown hook
 * stops the registry, then the broker. Fails with exit code 1 when a port is taken.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Runs a Kafka broker and a Schema Registry until interrupted (Ctrl-C), keeping their data and ports "
                + "in --data-dir: DIR/kafka holds the broker's logs and metadata (every topic, and the registry's schemas in "
                + "_schemas), DIR/stack.properties the ports. A restart on the same DIR is the same cluster: same addresses, "
                + "same topics, same schema ids.",
            "Both listen on loopback only; the registry binds 127.0.0.1 unless --registry-config says otherwise."})
public final class StackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "reachwatch-data",
            description = "Where the broker's logs, the registry's state and the ports are kept (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--broker-port", paramLabel = "P",
            description = "Kafka port (0: any free port). Default: the kept one, else 9092.")
    Integer brokerPort;

    @Option(names = "--registry-port", paramLabel = "P",
            description = "Schema Registry HTTP port (0: any free port). Default: the kept one, else 8081.")
    Integer registryPort;

    @Option(names = "--registry-config", paramLabel = "FILE",
            description = "Registry server settings with Confluent's names: listeners (e.g. http://0.0.0.0:8081), "
                    + "authentication.method=BASIC, authentication.realm, authentication.roles, authentication.users.file, "
                    + "ssl.keystore.* (for https), request.max.bytes.")
    Path registryConfig;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Properties registrySettings = null;
        if (registryConfig != null) {
            if (!Files.isReadable(registryConfig)) {
                throw new IllegalArgumentException("cannot read registry config " + registryConfig);
            }
            registrySettings = new Properties();
            try (InputStream in = Files.newInputStream(registryConfig)) {
                registrySettings.load(in);
            }
        }
        PersistentStack stack = PersistentStack.start(dataDir, brokerPort, registryPort, registrySettings, String.valueOf(registryConfig));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                stack.close();
            } finally {
                stopped.countDown();
            }
        }, "reachwatch-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.printf("Kafka broker started in %d ms; data in %s (kept across restarts)%n", stack.brokerStartupMillis(), stack.dataDir());
        err.flush();
        out.println("bootstrap.servers=" + stack.bootstrapServers());
        out.println("schema.registry.url=" + stack.registryUrl());
        out.flush();
        boolean interrupted = false;
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // Interrupted (tests, an embedding program): an orderly stop now rather than at JVM exit,
            // with the interrupt flag cleared meanwhile so the broker's shutdown can wait for its threads.
            interrupted = true;
        }
        if (stopped.getCount() > 0 && Runtime.getRuntime().removeShutdownHook(hook)) {
            stack.close();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
