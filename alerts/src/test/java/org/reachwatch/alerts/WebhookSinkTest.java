package org.reachwatch.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.schemas.json.AvroJson;

/** The sink against a real HTTP receiver on loopback; waits between attempts are recorded, not slept. */
class WebhookSinkTest {
    private final TestReceiver receiver;
    private final List<Duration> waits = new ArrayList<>();
    private final WebhookSink.Waiter recording = delay -> {
        waits.add(delay);
        return true;
    };

    WebhookSinkTest() throws Exception {
        receiver = new TestReceiver();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    private WebhookSink sink(AlertFormat format, int maxAttempts) {
        return new WebhookSink(new WebhookSink.Settings(receiver.url("/hooks/T000/B000/secret-token"), format,
                Map.of("Authorization", "Bearer s3cret"), Duration.ofSeconds(2),
                new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), new Random(1)), maxAttempts));
    }

    @Test
    void deliversTheEventJsonWithItsIdAsIdempotencyKey() throws Exception {
        DisruptionEvent event = Events.pakistanOnset();
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 0).deliver(event, false, recording);

        assertThat(delivery).isEqualTo(new WebhookSink.Delivery(WebhookSink.Outcome.DELIVERED, 1, 200, null));
        TestReceiver.Request request = receiver.requests().get(0);
        assertThat(request.body()).isEqualTo(AvroJson.toJsonLine(event));
        assertThat(request.key()).isEqualTo(event.getEventId());
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Authorization")).isEqualTo("Bearer s3cret");
        assertThat(request.header("Reachwatch-Event-Type")).isEqualTo("DISRUPTION_STARTED");
        assertThat(request.header("Reachwatch-Attempt")).isEqualTo("1");
        assertThat(request.header("Reachwatch-Redelivery")).isNull();
        assertThat(waits).isEmpty();
    }

    @Test
    void serverErrorsAndTimeoutsAreRetriedWithGrowingJitteredWaitsUntilAccepted() throws Exception {
        receiver.script(r -> switch (r.seenBefore()) {
            case 0 -> TestReceiver.Reply.status(500, "boom");
            case 1 -> TestReceiver.Reply.hang();
            case 2 -> TestReceiver.Reply.status(503, "");
            case 3 -> TestReceiver.Reply.status(408, "");
            default -> TestReceiver.Reply.ok();
        });
        WebhookSink sink = sink(AlertFormat.SLACK, 0);
        WebhookSink.Delivery delivery = sink.deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery.outcome()).isEqualTo(WebhookSink.Outcome.DELIVERED);
        assertThat(delivery.attempts()).isEqualTo(5);
        assertThat(sink.requests()).isEqualTo(5);
        assertThat(sink.retries()).isEqualTo(4);
        assertThat(receiver.requests()).extracting(r -> r.header("Reachwatch-Attempt")).containsExactly("1", "2", "3", "4", "5");
        assertThat(receiver.requests()).extracting(TestReceiver.Request::key).containsOnly(Events.pakistanOnset().getEventId());
        assertThat(receiver.accepted()).containsExactly(Map.entry(Events.pakistanOnset().getEventId(), 1));
        assertThat(waits).hasSize(4);
        for (int retry = 1; retry <= 4; retry++) {
            long ceiling = 100L << (retry - 1);
            assertThat(waits.get(retry - 1).toMillis()).isBetween(ceiling / 2, ceiling);
        }
    }

    @Test
    void aPermanentRejectionIsNotRetriedAndSaysWhy() throws Exception {
        receiver.script(r -> TestReceiver.Reply.status(400, "{\"error\": \"unknown channel\"}\n"));
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 0).deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery).isEqualTo(new WebhookSink.Delivery(WebhookSink.Outcome.REJECTED, 1, 400,
                "HTTP 400: {\"error\": \"unknown channel\"}"));
        assertThat(receiver.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void tooManyRequestsIsRetriedAfterItsRetryAfterCappedAtTheMaximum() throws Exception {
        receiver.script(r -> switch (r.seenBefore()) {
            case 0 -> TestReceiver.Reply.status(429, "slow down").header("Retry-After", "1");
            case 1 -> TestReceiver.Reply.status(429, "slow down").header("Retry-After", "3600");
            default -> TestReceiver.Reply.ok();
        });
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 0).deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery.outcome()).isEqualTo(WebhookSink.Outcome.DELIVERED);
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void aRedirectIsARejectionThatDoesNotLeakTheTargetPath() throws Exception {
        receiver.script(r -> TestReceiver.Reply.status(301, "").header("Location", "https://elsewhere.example/token/abc"));
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 0).deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery.outcome()).isEqualTo(WebhookSink.Outcome.REJECTED);
        assertThat(delivery.reason()).isEqualTo("HTTP 301 redirect to https://elsewhere.example/… (webhooks are not followed across redirects)");
    }

    @Test
    void retriesStopAtMaxAttempts() throws Exception {
        receiver.script(r -> TestReceiver.Reply.status(502, "bad gateway"));
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 3).deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery).isEqualTo(new WebhookSink.Delivery(WebhookSink.Outcome.GAVE_UP, 3, 502,
                "gave up after 3 attempts, last: HTTP 502: bad gateway"));
        assertThat(receiver.requests()).hasSize(3);
    }

    @Test
    void aStopRequestWhileWaitingEndsTheDeliveryUnfinished() throws Exception {
        receiver.script(r -> TestReceiver.Reply.status(500, ""));
        WebhookSink.Delivery delivery = sink(AlertFormat.JSON, 0).deliver(Events.pakistanOnset(), false, delay -> false);

        assertThat(delivery.outcome()).isEqualTo(WebhookSink.Outcome.STOPPED);
        assertThat(receiver.requests()).hasSize(1);
    }

    @Test
    void aRefusedConnectionIsRetried() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        WebhookSink sink = new WebhookSink(new WebhookSink.Settings(URI.create("http://127.0.0.1:" + port + "/"), AlertFormat.JSON,
                Map.of(), Duration.ofMillis(400), new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)), 2));
        WebhookSink.Delivery delivery = sink.deliver(Events.pakistanOnset(), false, recording);

        assertThat(delivery.outcome()).isEqualTo(WebhookSink.Outcome.GAVE_UP);
        assertThat(delivery.status()).isEqualTo(-1);
        assertThat(delivery.reason()).startsWith("gave up after 2 attempts, last: connection failed");
    }

    @Test
    void aRedeliveryIsMarked() throws Exception {
        sink(AlertFormat.JSON, 0).deliver(Events.pakistanOnset(), true, recording);
        assertThat(receiver.requests().get(0).header("Reachwatch-Redelivery")).isEqualTo("true");
    }

    @Test
    void theUrlIsShownWithoutItsPathOrQuery() {
        assertThat(sink(AlertFormat.SLACK, 0).describe()).isEqualTo("http://127.0.0.1:" + receiver.url("/").getPort() + "/…");
        assertThat(WebhookSink.mask(URI.create("https://hooks.slack.com/services/T0/B0/XYZ"))).isEqualTo("https://hooks.slack.com/…");
        assertThat(WebhookSink.mask(URI.create("https://example.org"))).isEqualTo("https://example.org/");
    }

    @Test
    void badUrlsAndHeadersAreRefusedAtStart() {
        assertThatThrownBy(() -> new WebhookSink(WebhookSink.Settings.of(URI.create("ftp://example.org/x"), AlertFormat.JSON)))
                .hasMessage("the webhook must be an http:// or https:// URL with a host, got ftp://example.org/…");
        assertThatThrownBy(() -> new WebhookSink(new WebhookSink.Settings(URI.create("https://example.org/"), AlertFormat.JSON,
                Map.of("Host", "x"), Duration.ofSeconds(1), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)), 0)))
                .hasMessageStartingWith("webhook header 'Host' cannot be sent");
    }

    @Test
    void eventIdsOutsidePrintableAsciiArePercentEncodedInTheHeader() {
        assertThat(WebhookSink.headerValue("PK|-|x.com|1708200300000/DISRUPTION_STARTED/2024-02-17T20:05:00Z"))
                .isEqualTo("PK|-|x.com|1708200300000/DISRUPTION_STARTED/2024-02-17T20:05:00Z");
        assertThat(WebhookSink.headerValue("IR|-|bücher.example 50%")).isEqualTo("IR|-|b%C3%BCcher.example%2050%25");
    }

    @Test
    void retryAfterIsReadAsSecondsOrIgnored() {
        assertThat(WebhookSink.retryAfter("120")).isEqualTo(Duration.ofSeconds(120));
        assertThat(WebhookSink.retryAfter("soon")).isNull();
        assertThat(WebhookSink.retryAfter(null)).isNull();
    }
}
