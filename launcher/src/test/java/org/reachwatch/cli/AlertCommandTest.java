package org.reachwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.reachwatch.alerts.AlertService;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;

/** Option checking of {@code alert} and of {@code --webhook*} on {@code detect} and {@code demo}, without a cluster. */
class AlertCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        return ReachwatchCli.commandLine(env).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }

    @Test
    void aWebhookIsRequired() {
        assertThat(run(Map.of(), "alert")).isEqualTo(1);
        assertThat(err.toString()).contains("give the webhook: --webhook URL (or REACHWATCH_WEBHOOK_URL)");
    }

    @Test
    void aBadWebhookStopsDetectBeforeItStartsAndItsPathIsNeverPrinted() {
        assertThat(run(Map.of(), "detect", "--webhook", "hooks.slack.com/services/T0/B0/S3CR3T")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Invalid value for option '--webhook': the webhook must be an http:// or https:// URL")
                .doesNotContain("S3CR3T");
        err.getBuffer().setLength(0);
        assertThat(run(Map.of(), "demo", "--webhook", "https://hooks.slack.com/services/T0/B0/S3CR 3T")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Invalid value for option '--webhook': the webhook is not a valid URL")
                .doesNotContain("S3CR");
    }

    @Test
    void formatsCountriesAndTypesAreCheckedAsTheyAreParsed() {
        assertThat(run(Map.of(), "alert", "--webhook", "http://127.0.0.1:1/", "--format", "xml")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Invalid value for option '--format': unknown webhook format 'xml': use json or slack");
        err.getBuffer().setLength(0);
        assertThat(run(Map.of(), "demo", "--webhook-type", "BLOCKED")).isEqualTo(2);
        assertThat(err.toString()).contains("got 'BLOCKED'");
        err.getBuffer().setLength(0);
        assertThat(run(Map.of(), "detect", "--webhook-country", "Pakistan")).isEqualTo(2);
        assertThat(err.toString()).contains("two-letter country codes (PK, KE, ...), got 'Pakistan'");
    }

    @Test
    void theWebhookMayComeFromTheEnvironment() {
        assertThat(KnownSettings.variables()).contains("REACHWATCH_WEBHOOK_URL");
        assertThat(WebhookOptions.url(null, new Environment(Map.of("REACHWATCH_WEBHOOK_URL", " https://h.example/x ")))).isEqualTo(
                "https://h.example/x");
        assertThat(WebhookOptions.url("https://flag.example/", new Environment(Map.of("REACHWATCH_WEBHOOK_URL", "https://env/"))))
                .isEqualTo("https://flag.example/");
    }

    @Test
    void headersAreNameColonValueAndTheirValuesAreSecrets() {
        assertThat(AlertCommand.headers(List.of("Authorization: Bearer t0ken-abc", "X-Team:ops"))).containsExactly(
                Map.entry("Authorization", "Bearer t0ken-abc"), Map.entry("X-Team", "ops"));
        assertThat(Secrets.scrub("failed with Bearer t0ken-abc")).doesNotContain("t0ken-abc");
        assertThatThrownBy(() -> AlertCommand.headers(List.of("Bearer s3cr3t-value"))).hasMessageNotContaining("s3cr3t")
                .hasMessage("--header takes 'Name: value', got a value without a name before ':'");
    }

    @Test
    void unconfirmedEventsAreResentOrDeadLettered() {
        assertThat(AlertCommand.unconfirmed("resend")).isEqualTo(AlertService.Unconfirmed.RESEND);
        assertThat(AlertCommand.unconfirmed("Dead-Letter")).isEqualTo(AlertService.Unconfirmed.DEAD_LETTER);
        assertThatThrownBy(() -> AlertCommand.unconfirmed("drop")).hasMessage("--on-unconfirmed takes resend or dead-letter, got 'drop'");
    }

    @Test
    void timelineLinesAreTheDemosColumns() {
        DisruptionEvent e = DisruptionEvent.newBuilder().setEventId("e").setIncidentId("i").setType(EventType.PARTIAL_RESTORATION)
                .setCountry("PK").setAsn(null).setTarget("x.com").setAt(Instant.parse("2024-02-18T05:55:00Z"))
                .setDetectedAt(Instant.parse("2024-02-18T06:10:00Z")).setAvailability(0.33).setCause(DisruptionCause.CENSORSHIP)
                .setMethods(List.of(BlockingMethod.TLS)).build();
        assertThat(Timeline.line(e)).isEqualTo("2024-02-18 05:55  PK      all      x.com         PARTIAL_RESTORATION     33%  "
                + "TLS            CENSORSHIP");
    }
}
