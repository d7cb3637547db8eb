package org.reachwatch.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

import org.reachwatch.alerts.AlertFilter;
import org.reachwatch.alerts.AlertFormat;
import org.reachwatch.alerts.AlertService;
import org.reachwatch.alerts.WebhookSink;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --webhook URL} and its companions on {@code detect} and {@code demo}: the same delivery as
 * {@code reachwatch alert} (once per event id, retries, dead letters), run inside that process.
 */
final class WebhookOptions {
    /** The environment variable that may hold the URL instead of the flag (it often carries a token). */
    static final String URL_VARIABLE = "REACHWATCH_WEBHOOK_URL";

    private final Environment env;

    // Converters check each value as it is parsed, so a mistake stops the command before the detector starts,
    // with picocli's "Invalid value for option" and our reason (never the URL itself: it may hold a token).

    @Option(names = "--webhook", paramLabel = "URL", converter = UrlConverter.class,
            description = "Also POST each disruption event to this webhook, once per event id (env REACHWATCH_WEBHOOK_URL); "
                    + "see `reachwatch alert --help`.")
    String webhook;

    @Option(names = "--webhook-format", paramLabel = "json|slack", converter = FormatConverter.class, defaultValue = "json",
            description = "Body of each webhook request: json (the event JSON, the default) or slack ({\"text\": ...}).")
    AlertFormat format;

    @Option(names = "--webhook-country", paramLabel = "CC", converter = CountryConverter.class,
            description = "Only events of these countries (repeat, or comma-separated).")
    List<String> countries;

    @Option(names = "--webhook-type", paramLabel = "TYPE", converter = TypeConverter.class,
            description = "Only events of these types (repeat, or comma-separated).")
    List<String> types;

    @Option(names = "--webhook-group", paramLabel = "GROUP",
            description = "Alert group (Kafka consumer group and ledger key; default: derived from the URL).")
    String group;

    /** A webhook URL, checked; the value is remembered as a secret first. */
    static final class UrlConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            Secrets.remember(value);
            try {
                new WebhookSink(WebhookSink.Settings.of(parse(value), AlertFormat.JSON));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(Secrets.scrub(e.getMessage()));
            }
            return value;
        }
    }

    static final class FormatConverter implements CommandLine.ITypeConverter<AlertFormat> {
        @Override
        public AlertFormat convert(String value) {
            try {
                return AlertFormat.fromCliName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class CountryConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                AlertFilter.parse(List.of(value), List.of());
                return value;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class TypeConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                AlertFilter.parse(List.of(), List.of(value));
                return value;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    WebhookOptions(Environment env) {
        this.env = env;
    }

    /** The webhook URL from the flag or the environment, or null. */
    static String url(String flag, Environment env) {
        return flag != null && !flag.isBlank() ? flag.trim() : env.get(URL_VARIABLE);
    }

    static URI parse(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            Secrets.remember(url);
            throw new IllegalArgumentException("the webhook is not a valid URL: " + Secrets.scrub(e.getMessage()));
        }
    }

    /**
     * Starts sending to the webhook, if one was given; {@code fromBeginning} for a cluster whose events
     * are all new (the demo's embedded one).
     */
    AlertRunner start(Cluster cluster, boolean fromBeginning, PrintWriter err) {
        String url = url(webhook, env);
        if (url == null) {
            return AlertRunner.none();
        }
        WebhookSink.Settings settings = WebhookSink.Settings.of(parse(url), format);
        return AlertRunner.start(cluster, settings, AlertFilter.parse(countries, types), group, fromBeginning,
                AlertService.Unconfirmed.RESEND, err);
    }
}
