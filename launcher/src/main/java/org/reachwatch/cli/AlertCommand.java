package org.reachwatch.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.reachwatch.alerts.AlertFilter;
import org.reachwatch.alerts.AlertFormat;
import org.reachwatch.alerts.AlertService;
import org.reachwatch.alerts.Backoff;
import org.reachwatch.alerts.WebhookSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch alert}: POSTs every disruption event of a live cluster to a webhook, once per event
 * id across restarts, until SIGTERM or Ctrl-C (see {@link AlertService} for the guarantees).
 */
@Command(name = "alert", mixinStandardHelpOptions = true,
        description = "Sends each disruption event (disruption.events, committed records only) to a webhook: one POST per event, "
                + "its eventId as Idempotency-Key, retried with backoff on errors, 5xx, 408, 429 and timeouts, never sent twice "
                + "for the same alert group (a ledger in alerts.delivered); rejections (other 4xx) go to "
                + "disruption.events.alerts-dlq with the reason. Runs until SIGTERM or Ctrl-C.")
public final class AlertCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--webhook", paramLabel = "URL", converter = WebhookOptions.UrlConverter.class,
            description = "Where to POST (http or https). Env REACHWATCH_WEBHOOK_URL keeps a URL with a token off the command line.")
    String webhook;

    @Option(names = "--format", paramLabel = "json|slack", defaultValue = "json", converter = WebhookOptions.FormatConverter.class,
            description = "json: the event JSON, exactly as replay --events-out writes it; slack: {\"text\": \"PK x.com: "
                    + "DISRUPTION_STARTED at ..., censorship, blocked on AS17557, ...\"} (default ${DEFAULT-VALUE}).")
    AlertFormat format;

    @Option(names = "--country", paramLabel = "CC", converter = WebhookOptions.CountryConverter.class, description = "Only events of these countries (repeat, or comma-separated).")
    List<String> countries;

    @Option(names = "--type", paramLabel = "TYPE", converter = WebhookOptions.TypeConverter.class,
            description = "Only events of these types: DISRUPTION_STARTED, PARTIAL_RESTORATION, RESTORED, REBLOCKED, INCIDENT_CLOSED, "
                    + "METHOD_CHANGED, THROTTLING_STARTED, THROTTLING_ENDED (repeat, or comma-separated).")
    List<String> types;

    @Option(names = "--group-id", paramLabel = "GROUP",
            description = "Alert group: the consumer group and the ledger's key. One group = one subscription: each event id is "
                    + "sent once per group. Default: reachwatch-alerts- and a hash of the URL.")
    String group;

    @Option(names = "--from-beginning",
            description = "A new group also sends the events already in the topic (default: it starts at the end). A group that "
                    + "has run before always resumes where it was.")
    boolean fromBeginning;

    @Option(names = "--on-unconfirmed", paramLabel = "resend|dead-letter", defaultValue = "resend",
            description = "An event an earlier run sent but could not record (it died between the receiver's answer and the "
                    + "commit): resend it with Reachwatch-Redelivery: true (default), or dead-letter it (never twice, maybe never).")
    String onUnconfirmed;

    @Option(names = "--header", paramLabel = "'NAME: VALUE'",
            description = "Extra request header, e.g. 'Authorization: Bearer ...' (repeat). Values are never printed.")
    List<String> headers;

    @Option(names = "--timeout-ms", defaultValue = "10000", description = "Per request (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--retry-backoff-ms", defaultValue = "1000", description = "First wait before a retry (default ${DEFAULT-VALUE}); doubles each time, jittered.")
    long backoffMs;

    @Option(names = "--retry-backoff-max-ms", defaultValue = "60000", description = "Longest wait between retries (default ${DEFAULT-VALUE}).")
    long backoffMaxMs;

    @Option(names = "--max-attempts", defaultValue = "0",
            description = "Give an event up to the dead-letter topic after this many failed attempts (default 0: retry until it goes through).")
    int maxAttempts;

    @Option(names = "--status-seconds", defaultValue = "60", description = "How often to print the counters (default ${DEFAULT-VALUE}).")
    int statusSeconds;

    AlertCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        String url = WebhookOptions.url(webhook, env);
        if (url == null) {
            throw new IllegalArgumentException("give the webhook: --webhook URL (or REACHWATCH_WEBHOOK_URL)");
        }
        Map<String, String> extra = headers(headers);
        if (timeoutMs < 1 || backoffMs < 1 || backoffMaxMs < backoffMs) {
            throw new IllegalArgumentException("--timeout-ms and --retry-backoff-ms must be positive and --retry-backoff-max-ms at "
                    + "least --retry-backoff-ms");
        }
        WebhookSink.Settings settings = new WebhookSink.Settings(WebhookOptions.parse(url), format, extra,
                Duration.ofMillis(timeoutMs), new Backoff(Duration.ofMillis(backoffMs), Duration.ofMillis(backoffMaxMs), new Random()),
                maxAttempts);
        AlertFilter filter = AlertFilter.parse(countries, types);
        AlertService.Unconfirmed unconfirmed = unconfirmed(onUnconfirmed);
        Cluster c = cluster.resolve(DetectCommand.DEFAULT_BOOTSTRAP_SERVERS, DetectCommand.DEFAULT_REGISTRY_URL);
        if (!c.checkAccess(Duration.ofSeconds(30))) {
            err.printf("alert: Kafka at %s or the registry did not answer yet; waiting for them%n", c.bootstrapServers());
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM and Ctrl-C stop the sender between two steps (an event being retried stays unfinished and is
        // retried by the next run); an exit by any other way waits for that too.
        boolean handled = DetectCommand.onSignals(stop, "TERM", "INT");
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(45, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "reachwatch-alert-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (AlertRunner runner = AlertRunner.start(c, settings, filter, group, fromBeginning, unconfirmed, err)) {
            spec.commandLine().getOut().printf("alert sender running on %s; %s stops it%n", c.describe(),
                    handled ? "SIGTERM or Ctrl-C" : "Ctrl-C");
            spec.commandLine().getOut().flush();
            long nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(statusSeconds);
            while (!stop.await(1, TimeUnit.SECONDS) && !runner.ended()) {
                if (System.nanoTime() - nextStatus >= 0) {
                    nextStatus += TimeUnit.SECONDS.toNanos(statusSeconds);
                    err.printf("alerts: %s%n", runner.stats());
                    err.flush();
                }
            }
            if (runner.failure() != null) {
                return 1; // the runner has said why, in one line
            }
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running and has just been released
            }
        }
        return 0;
    }

    /** {@code Name: value} pairs; a malformed one is an error naming it (without its value). */
    static Map<String, String> headers(List<String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        if (values == null) {
            return out;
        }
        for (String h : values) {
            int colon = h.indexOf(':');
            if (colon <= 0 || h.substring(0, colon).isBlank()) {
                throw new IllegalArgumentException("--header takes 'Name: value', got a value without a name before ':'");
            }
            String value = h.substring(colon + 1).trim();
            Secrets.remember(value);
            out.put(h.substring(0, colon).trim(), value);
        }
        return out;
    }

    static AlertService.Unconfirmed unconfirmed(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "resend" -> AlertService.Unconfirmed.RESEND;
            case "dead-letter" -> AlertService.Unconfirmed.DEAD_LETTER;
            default -> throw new IllegalArgumentException("--on-unconfirmed takes resend or dead-letter, got '" + value + "'");
        };
    }
}
