package org.reachwatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.reachwatch.alerts.AlertFilter;
import org.reachwatch.alerts.AlertService;
import org.reachwatch.alerts.WebhookSink;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.schemas.serde.AvroSerde;

/**
 * An {@link AlertService} on its own thread, for {@code alert}, {@code detect --webhook} and
 * {@code demo --webhook}; {@link #none()} when no webhook was given. Closing stops the sender and
 * prints its counters.
 */
final class AlertRunner implements AutoCloseable {
    private final AlertService service;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final PrintWriter err;

    private AlertRunner(AlertService service, PrintWriter err) {
        this.service = service;
        this.err = err;
        this.thread = service == null ? null : new Thread(this::run, "reachwatch-alerts");
    }

    /** A runner that does nothing (no webhook). */
    static AlertRunner none() {
        return new AlertRunner(null, null);
    }

    /**
     * Starts sending the events of {@code cluster}'s {@code disruption.events} to the webhook, in group
     * {@code group} (null: one derived from the URL).
     */
    static AlertRunner start(Cluster cluster, WebhookSink.Settings settings, AlertFilter filter, String group, boolean fromBeginning,
                             AlertService.Unconfirmed unconfirmed, PrintWriter err) {
        Secrets.remember(settings.url().toString());
        settings.headers().values().forEach(Secrets::remember);
        WebhookSink sink = new WebhookSink(settings);
        cluster.configureRegistryClient();
        String g = group != null ? group : AlertService.defaultGroup(settings.url().toString());
        AlertService.Config config = AlertService.Config.of(cluster.bootstrapServers(), cluster.kafka(), g)
                .fromBeginning(fromBeginning).unconfirmed(unconfirmed);
        AlertService service = new AlertService(config,
                AvroSerde.specific(DisruptionEvent.class, cluster.registryUrl(), false).deserializer(), filter, sink);
        AlertRunner runner = new AlertRunner(service, err);
        err.printf("alerts: %s -> %s (%s; group %s%s)%n", config.eventsTopic(), sink.describe(), filter.describe(), g,
                fromBeginning ? ", from the beginning" : "");
        err.flush();
        runner.thread.start();
        return runner;
    }

    private void run() {
        try {
            service.run();
        } catch (Throwable t) {
            failure.set(t);
            err.printf("alerts: stopped: %s%n", Secrets.scrub(t.getMessage()));
            err.flush();
        }
    }

    /** Why the sender stopped by itself (fenced by another sender of its group, refused by Kafka), or null. */
    Throwable failure() {
        return failure.get();
    }

    /** Whether the sender's thread has ended (by {@link #close()} or a failure); false for {@link #none()}. */
    boolean ended() {
        return thread != null && !thread.isAlive();
    }

    AlertService.Stats stats() {
        return service == null ? null : service.stats();
    }

    /** Waits until {@code events} events have been handled (sent, dead-lettered or filtered out); true without a webhook. */
    boolean awaitHandled(long events, Duration timeout) throws InterruptedException {
        return service == null || service.awaitHandled(events, timeout);
    }

    @Override
    public void close() throws InterruptedException {
        if (service == null) {
            return;
        }
        service.close();
        thread.join(TimeUnit.SECONDS.toMillis(40));
        err.printf("alerts: %s%n", service.stats());
        err.flush();
    }
}
