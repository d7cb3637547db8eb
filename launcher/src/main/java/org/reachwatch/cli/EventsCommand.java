package org.reachwatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.schemas.TopicNames;
import org.reachwatch.schemas.serde.AvroSerde;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reachwatch events}: the demo's readable timeline of disruption events, from a live cluster, until interrupted. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Prints each disruption event of a live cluster as one readable line (as the demo does) as the detector "
                + "commits it, until Ctrl-C. Reads committed records only and joins no consumer group.")
public final class EventsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--from-beginning", description = "Start with the events already in the topic (default: only new ones).")
    boolean fromBeginning;

    @Option(names = "--topic", defaultValue = TopicNames.EVENTS, description = "Events topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Cluster c = cluster.resolve(DetectCommand.DEFAULT_BOOTSTRAP_SERVERS, DetectCommand.DEFAULT_REGISTRY_URL);
        if (!c.checkAccess(Duration.ofSeconds(30))) {
            spec.commandLine().getErr().printf("events: Kafka at %s or the registry did not answer yet; waiting for them%n",
                    c.bootstrapServers());
        }
        Timeline timeline = new Timeline(c.bootstrapServers(), c.kafka(), topic,
                AvroSerde.specific(DisruptionEvent.class, c.registryUrl(), false).deserializer(), fromBeginning, out);
        CountDownLatch stop = new CountDownLatch(1);
        DetectCommand.onSignals(stop, "TERM", "INT");
        Thread hook = new Thread(timeline::stop, "reachwatch-events-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Timeline.printHeader(out);
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                timeline.run();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "reachwatch-events");
        reader.start();
        while (!stop.await(200, TimeUnit.MILLISECONDS) && reader.isAlive()) {
            // the reader prints; this thread waits for a signal
        }
        timeline.stop();
        reader.join(TimeUnit.SECONDS.toMillis(30));
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running
        }
        spec.commandLine().getErr().printf("events: %d printed%n", timeline.printed());
        spec.commandLine().getErr().flush();
        if (failure.get() != null) {
            throw new IllegalStateException("reading " + topic + " failed: " + failure.get().getMessage(), failure.get());
        }
        return 0;
    }
}
