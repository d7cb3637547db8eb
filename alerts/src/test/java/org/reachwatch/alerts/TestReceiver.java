package org.reachwatch.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP webhook receiver on loopback (the JDK's HttpServer). Each request is answered by a
 * script: a function of the request (its Idempotency-Key and how many times this key was seen) to a
 * {@link Reply}. Records every request, and which keys it accepted (answered 2xx) and how often.
 */
final class TestReceiver implements AutoCloseable {
    /** What to answer. {@code hang} holds the request without an answer until the receiver closes. */
    record Reply(int status, String body, Map<String, String> headers, boolean hangs) {
        static Reply ok() {
            return new Reply(200, "ok", Map.of(), false);
        }

        static Reply status(int status, String body) {
            return new Reply(status, body, Map.of(), false);
        }

        static Reply hang() {
            return new Reply(0, null, Map.of(), true);
        }

        Reply header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, body, h, hangs);
        }
    }

    /** One request as received. */
    record Request(String key, int seenBefore, Map<String, List<String>> headers, String body, int status) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Integer> seen = new ConcurrentHashMap<>();
    private final Map<String, Integer> accepted = new LinkedHashMap<>();
    private volatile Function<Request, Reply> script = r -> Reply.ok();

    TestReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers by {@code script} from now on; the request passed has status 0. */
    TestReceiver script(Function<Request, Reply> script) {
        this.script = script;
        return this;
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readAllBytes();
        }
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        int before = seen.merge(key == null ? "" : key, 1, Integer::sum) - 1;
        Map<String, List<String>> headers = new LinkedHashMap<>(exchange.getRequestHeaders());
        Request request = new Request(key, before, headers, new String(bytes, StandardCharsets.UTF_8), 0);
        Reply reply = script.apply(request);
        synchronized (this) {
            requests.add(new Request(key, before, headers, request.body(), reply.hangs() ? -1 : reply.status()));
            if (!reply.hangs() && reply.status() >= 200 && reply.status() < 300) {
                accepted.merge(key, 1, Integer::sum);
            }
            notifyAll();
        }
        if (reply.hangs()) {
            try {
                closing.await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        reply.headers().forEach((n, v) -> exchange.getResponseHeaders().add(n, v));
        byte[] body = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Keys answered 2xx, with how many times each was. */
    synchronized Map<String, Integer> accepted() {
        return Map.copyOf(accepted);
    }

    /** Waits until {@code condition} holds over this receiver, or fails after {@code timeout}. */
    void await(Duration timeout, String what, java.util.function.Predicate<TestReceiver> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(this)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; requests: " + requests().size());
            }
            synchronized (this) {
                wait(50);
            }
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
