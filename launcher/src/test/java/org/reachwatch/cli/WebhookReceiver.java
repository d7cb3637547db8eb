package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

/** A webhook receiver on loopback (the JDK's HttpServer); with {@code flaky}, the first attempt at every key gets a 503. */
final class WebhookReceiver implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final boolean flaky;
    private final Map<String, Integer> seen = new HashMap<>();
    private final Map<String, Integer> accepted = new HashMap<>();
    private final Map<String, String> bodies = new HashMap<>();
    private final List<String> keys = new ArrayList<>();

    WebhookReceiver(boolean flaky) throws IOException {
        this.flaky = flaky;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            int status;
            synchronized (this) {
                keys.add(key);
                int before = seen.merge(key, 1, Integer::sum) - 1;
                status = flaky && before == 0 ? 503 : 200;
                if (status == 200) {
                    accepted.merge(key, 1, Integer::sum);
                    bodies.put(key, body);
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/services/T000/B000/token";
    }

    synchronized Map<String, Integer> accepted() {
        return Map.copyOf(accepted);
    }

    synchronized String body(String key) {
        return bodies.get(key);
    }

    synchronized long requests() {
        return keys.size();
    }

    void await(Duration timeout, java.util.function.BooleanSupplier done, DetectorProcess process) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("receiver has " + accepted().size() + "; log:\n" + process.tail());
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
