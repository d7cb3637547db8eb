package org.reachwatch.schemas.registry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;

/**
 * A real HTTP server on a loopback port that plays a Schema Registry which fails on demand: it
 * serves one schema by id, and can be switched to answer 5xx, 404, garbage, hang until released,
 * or drop connections. Counts the requests it received, so tests can see retries.
 */
final class FlakyRegistry implements AutoCloseable {
    enum Mode { OK, SERVER_ERROR, UNKNOWN_ID, PLAIN_404, HANG, DROP_CONNECTION }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer http;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "flaky-registry");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.OK);
    private final AtomicInteger failuresLeft = new AtomicInteger(Integer.MAX_VALUE);
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final int schemaId;
    private final String schemaJson;

    FlakyRegistry(int schemaId, Schema schema) throws IOException {
        this.schemaId = schemaId;
        this.schemaJson = JSON.createObjectNode().put("schema", schema.toString()).toString();
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** Fail in {@code failing} mode for the next {@code times} requests, then answer normally. */
    void fail(Mode failing, int times) {
        failuresLeft.set(times);
        mode.set(failing);
    }

    /** Fail in {@code failing} mode until told otherwise. */
    void fail(Mode failing) {
        fail(failing, Integer.MAX_VALUE);
    }

    void recover() {
        mode.set(Mode.OK);
    }

    int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        Mode now = mode.get();
        if (now != Mode.OK && failuresLeft.getAndDecrement() <= 0) {
            now = Mode.OK;
        }
        try (exchange) {
            switch (now) {
                case OK -> {
                    String path = exchange.getRequestURI().getPath();
                    if (path.equals("/schemas/ids/" + schemaId)) {
                        answer(exchange, 200, schemaJson);
                    } else {
                        answer(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                    }
                }
                case SERVER_ERROR -> answer(exchange, 503, "{\"error_code\":50003,\"message\":\"Error while forwarding the request\"}");
                case UNKNOWN_ID -> answer(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
                case PLAIN_404 -> answer(exchange, 404, "<html>no such page</html>");
                case HANG -> {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case DROP_CONNECTION -> {
                    // Closing without a status line: the client sees the connection end mid-exchange.
                }
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        release.countDown();
        http.stop(0);
        executor.shutdownNow();
    }
}
