package org.reachwatch.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.reachwatch.embedded.EmbeddedKafkaBroker;
import org.reachwatch.registry.SchemaRegistryServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch stack}: a single-process Kafka broker (KRaft, temporary data) plus a Schema
 * Registry, for local runs without Docker. Prints the two addresses clients need, one per line,
 * and runs until interrupted; the shutdown hook stops the registry, then the broker. Data is gone
 * after exit. Fails with exit code 1 when the registry port is taken.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Runs an embedded Kafka broker and a Schema Registry until interrupted (Ctrl-C).")
public final class StackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Schema Registry HTTP port (0: any free port). Default: ${DEFAULT-VALUE}.")
    int registryPort;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        SchemaRegistryServer registry;
        try {
            registry = SchemaRegistryServer.start(broker.bootstrapServers(), registryPort);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                registry.close();
            } finally {
                broker.close();
                stopped.countDown();
            }
        }, "reachwatch-stack-shutdown"));
        err.println("Kafka broker started in " + broker.lastStartupTime().toMillis() + " ms");
        err.flush();
        out.println("bootstrap.servers=" + broker.bootstrapServers());
        out.println("schema.registry.url=" + registry.url());
        out.flush();
        stopped.await();
        return 0;
    }
}
