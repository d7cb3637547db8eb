package org.reachwatch.alerts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.reachwatch.avro.DisruptionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs disruption events to one webhook, one request per event, and retries until the receiver
 * answers 2xx or rejects the event for good.
 *
 * <p>Every request carries the event id as {@code Idempotency-Key} (characters outside printable
 * ASCII, and {@code %}, percent-encoded as UTF-8), so all attempts at one event, and a resend after a
 * crash, look the same to the receiver; {@code Reachwatch-Event-Type}, {@code Reachwatch-Attempt}
 * (1, 2, ...) and, when an earlier process may already have delivered this event,
 * {@code Reachwatch-Redelivery: true}.
 *
 * <p>How answers are taken: 2xx delivered; 408, 429, 5xx, a timeout (no response headers within the
 * request timeout, or no complete response within it plus a second) and connection errors are retried
 * after {@link Backoff} (a {@code Retry-After} of a 429 or 503 is honoured up to the backoff's maximum);
 * any other answer (other 4xx; 3xx, since redirects are not followed) is a permanent rejection, reported
 * with the status and the first bytes of the body. Retries go on until {@code maxAttempts} (0: no limit).
 *
 * <p>The URL often is a secret (Slack puts its token in the path): {@link #describe()} shows only its
 * scheme, host and port, and nothing here logs more.
 */
public final class WebhookSink {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);
    /** How much of a response body is kept for the reason of a rejection; the rest is discarded unread. */
    static final int BODY_CAP = 1024;
    private static final int REASON_BODY_CHARS = 200;

    /** Where and how to deliver. */
    public record Settings(URI url, AlertFormat format, Map<String, String> headers, Duration requestTimeout, Backoff backoff,
                           int maxAttempts) {
        public Settings {
            headers = Map.copyOf(new LinkedHashMap<>(headers));
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("the webhook request timeout must be positive, got " + requestTimeout);
            }
            if (maxAttempts < 0) {
                throw new IllegalArgumentException("max attempts must be 0 (no limit) or more, got " + maxAttempts);
            }
        }

        /** JSON bodies, no extra headers, 10 s per request, backoff 1 s to 60 s, retries without limit. */
        public static Settings of(URI url, AlertFormat format) {
            return new Settings(url, format, Map.of(), Duration.ofSeconds(10),
                    new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)), 0);
        }
    }

    /** Waits between attempts; returns false when the sender is asked to stop (then the event is not finished). */
    @FunctionalInterface
    public interface Waiter {
        boolean await(Duration delay) throws InterruptedException;

        /** Sleeps; never asked to stop. */
        Waiter SLEEP = delay -> {
            Thread.sleep(delay.toMillis());
            return true;
        };
    }

    /** How one event ended. */
    public enum Outcome {
        /** The receiver answered 2xx. */
        DELIVERED,
        /** The receiver rejected it for good (4xx other than 408/429, or a redirect). */
        REJECTED,
        /** {@code maxAttempts} attempts failed with retriable errors. */
        GAVE_UP,
        /** The sender was asked to stop before the event was delivered or rejected. */
        STOPPED
    }

    /**
     * The end of one event's delivery: its outcome, how many requests it took, the last HTTP status
     * (or -1 when the last attempt got no answer) and, unless delivered, why (one line, no secrets).
     */
    public record Delivery(Outcome outcome, int attempts, int status, String reason) {
    }

    /** The answer to one request. */
    record Attempt(Kind kind, int status, String detail, Duration retryAfter) {
        enum Kind { SUCCESS, RETRY, REJECT }
    }

    private final Settings settings;
    private final HttpClient client;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    public WebhookSink(Settings settings) {
        this(settings, HttpClient.newBuilder()
                .connectTimeout(settings.requestTimeout().compareTo(Duration.ofSeconds(10)) < 0 ? settings.requestTimeout()
                        : Duration.ofSeconds(10))
                // A webhook that moves is a configuration problem to report, and a POST must not be replayed elsewhere.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build());
    }

    WebhookSink(Settings settings, HttpClient client) {
        this.settings = settings;
        this.client = client;
        validate(settings);
    }

    private static void validate(Settings settings) {
        URI url = settings.url();
        if (url.getScheme() == null || !(url.getScheme().equalsIgnoreCase("http") || url.getScheme().equalsIgnoreCase("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException("the webhook must be an http:// or https:// URL with a host, got "
                    + mask(url));
        }
        HttpRequest.Builder probe = HttpRequest.newBuilder(url);
        settings.headers().forEach((name, value) -> {
            try {
                probe.header(name, value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("webhook header '" + name + "' cannot be sent: " + e.getMessage());
            }
        });
    }

    /** {@code https://hooks.example.org/…}: scheme, host and port only. */
    public String describe() {
        return mask(settings.url());
    }

    static String mask(URI url) {
        if (url.getHost() == null) {
            return "(a URL without a host)";
        }
        return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
                + (url.getRawPath() != null && url.getRawPath().length() > 1 || url.getRawQuery() != null ? "/…" : "/");
    }

    public Settings settings() {
        return settings;
    }

    /** Requests sent so far, all events together. */
    public long requests() {
        return requests.get();
    }

    /** Requests that were retries of an earlier failed one. */
    public long retries() {
        return retries.get();
    }

    /**
     * Sends {@code event} until it is delivered, rejected, given up, or {@code waiter} says stop.
     *
     * @param redelivery whether an earlier process may already have delivered it (sent as {@code Reachwatch-Redelivery})
     * @throws InterruptedException when the thread is interrupted while waiting or sending
     */
    public Delivery deliver(DisruptionEvent event, boolean redelivery, Waiter waiter) throws InterruptedException {
        String body = settings.format().body(event);
        for (int attempt = 1; ; attempt++) {
            if (attempt > 1) {
                retries.incrementAndGet();
            }
            Attempt answer = post(event, body, attempt, redelivery);
            switch (answer.kind()) {
                case SUCCESS -> {
                    return new Delivery(Outcome.DELIVERED, attempt, answer.status(), null);
                }
                case REJECT -> {
                    LOG.warn("webhook {} rejected event {}: {}", describe(), event.getEventId(), answer.detail());
                    return new Delivery(Outcome.REJECTED, attempt, answer.status(), answer.detail());
                }
                default -> {
                    if (settings.maxAttempts() > 0 && attempt >= settings.maxAttempts()) {
                        String reason = "gave up after " + attempt + " attempts, last: " + answer.detail();
                        LOG.warn("webhook {}: event {} {}", describe(), event.getEventId(), reason);
                        return new Delivery(Outcome.GAVE_UP, attempt, answer.status(), reason);
                    }
                    Duration delay = settings.backoff().delay(attempt);
                    if (answer.retryAfter() != null) {
                        delay = answer.retryAfter().compareTo(settings.backoff().max()) > 0 ? settings.backoff().max()
                                : answer.retryAfter();
                    }
                    LOG.warn("webhook {}: attempt {} at event {} failed ({}); retrying in {} ms", describe(), attempt,
                            event.getEventId(), answer.detail(), delay.toMillis());
                    if (!waiter.await(delay)) {
                        return new Delivery(Outcome.STOPPED, attempt, answer.status(), "stopped while retrying: " + answer.detail());
                    }
                }
            }
        }
    }

    /** One request, its answer classified. */
    Attempt post(DisruptionEvent event, String body, int attempt, boolean redelivery) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url())
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "reachwatch-alerts/0.1")
                .header("Idempotency-Key", headerValue(event.getEventId()))
                .header("Reachwatch-Event-Type", event.getType().name())
                .header("Reachwatch-Attempt", Integer.toString(attempt))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (redelivery) {
            request.header("Reachwatch-Redelivery", "true");
        }
        settings.headers().forEach(request::header);
        requests.incrementAndGet();
        CompletableFuture<HttpResponse<String>> future = client.sendAsync(request.build(), info -> cappedBody());
        HttpResponse<String> response;
        try {
            response = future.get(settings.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return new Attempt(Attempt.Kind.RETRY, -1, "no complete answer within " + settings.requestTimeout().toMillis() + " ms", null);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof HttpTimeoutException) {
                return new Attempt(Attempt.Kind.RETRY, -1, "timed out after " + settings.requestTimeout().toMillis() + " ms", null);
            }
            String what = cause instanceof IOException ? "connection failed" : "request failed";
            return new Attempt(Attempt.Kind.RETRY, -1, what + ": " + (cause.getMessage() != null ? cause.getMessage()
                    : cause.getClass().getSimpleName()), null);
        }
        return classify(response.statusCode(), response.body(), response.headers().firstValue("Retry-After").orElse(null),
                response.headers().firstValue("Location").orElse(null));
    }

    static Attempt classify(int status, String body, String retryAfter, String location) {
        String detail = "HTTP " + status + bodySnippet(body);
        if (status >= 200 && status < 300) {
            return new Attempt(Attempt.Kind.SUCCESS, status, detail, null);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return new Attempt(Attempt.Kind.RETRY, status, detail,
                    status == 429 || status == 503 ? retryAfter(retryAfter) : null);
        }
        if (status >= 300 && status < 400) {
            return new Attempt(Attempt.Kind.REJECT, status, "HTTP " + status + " redirect"
                    + (location != null ? " to " + safeLocation(location) : "") + " (webhooks are not followed across redirects)", null);
        }
        return new Attempt(Attempt.Kind.REJECT, status, detail, null);
    }

    private static String safeLocation(String location) {
        try {
            return mask(URI.create(location));
        } catch (IllegalArgumentException e) {
            return "(an invalid URL)";
        }
    }

    private static String bodySnippet(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return ": " + (oneLine.length() > REASON_BODY_CHARS ? oneLine.substring(0, REASON_BODY_CHARS) + "…" : oneLine);
    }

    /** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The event id as a header value: printable ASCII kept, the rest (and {@code %}) percent-encoded as UTF-8. */
    static String headerValue(String id) {
        StringBuilder out = new StringBuilder(id.length());
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    /** A body handler that keeps the first {@link #BODY_CAP} bytes and discards the rest. */
    private static HttpResponse.BodySubscriber<String> cappedBody() {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        Flow.Subscriber<List<ByteBuffer>> subscriber = new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                for (ByteBuffer buffer : buffers) {
                    int room = BODY_CAP - kept.size();
                    if (room > 0) {
                        byte[] bytes = new byte[Math.min(room, buffer.remaining())];
                        buffer.get(bytes);
                        kept.write(bytes, 0, bytes.length);
                    }
                }
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
            }
        };
        return HttpResponse.BodySubscribers.fromSubscriber(subscriber,
                s -> new String(kept.toByteArray(), StandardCharsets.UTF_8));
    }
}
