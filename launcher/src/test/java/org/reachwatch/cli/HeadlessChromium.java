package org.reachwatch.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Debian's {@code chromium} in headless mode, driven over the DevTools protocol (a WebSocket): navigate,
 * evaluate JavaScript, take screenshots, and collect every console error, uncaught exception and failed
 * load the page reports ({@link #errors()}). A fresh profile directory per instance; no network access
 * beyond what the page asks for (background networking, updates and sync are off).
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, WebSocket.Builder builder, URI page) {
        this.process = process;
        this.socket = builder.buildAsync(page, new Listener()).join();
    }

    /** The chromium binary, or null when it is not installed. */
    static String binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    static HeadlessChromium start(Path profile, Path log) throws IOException, InterruptedException {
        String binary = binary();
        if (binary == null) {
            throw new IllegalStateException("chromium is not installed: apt-get install -y chromium (see README, Prerequisites)");
        }
        Files.createDirectories(profile);
        List<String> command = List.of(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
                "--window-size=1280,1000", "about:blank");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            // Chromium writes the port it chose to DevToolsActivePort in the profile.
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("chromium did not open its DevTools port; log:\n" + Files.readString(log));
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body());
            String page = null;
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText())) {
                    page = t.path("webSocketDebuggerUrl").asText();
                }
            }
            if (page == null) {
                throw new IllegalStateException("chromium has no page target: " + targets);
            }
            HeadlessChromium chromium = new HeadlessChromium(process, http.newWebSocketBuilder(), URI.create(page));
            chromium.call("Runtime.enable", null);
            chromium.call("Log.enable", null);
            chromium.call("Page.enable", null);
            return chromium;
        } catch (IOException | RuntimeException | InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Opens {@code url} and waits for its load event. */
    void navigate(String url) {
        ObjectNode params = JSON.createObjectNode().put("url", url);
        call("Page.navigate", params);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"complete".equals(evaluate("document.readyState").asText())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("page " + url + " did not load");
            }
            pause(50);
        }
    }

    /** The value of a JavaScript expression (awaited when it is a promise), as JSON. */
    JsonNode evaluate(String expression) {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("script failed: " + result.path("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** A PNG of the whole page. */
    void screenshot(Path file, int width, int height) throws IOException {
        ObjectNode metrics = JSON.createObjectNode().put("width", width).put("height", height).put("deviceScaleFactor", 1)
                .put("mobile", false);
        call("Emulation.setDeviceMetricsOverride", metrics);
        JsonNode shot = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    /** Console errors, uncaught exceptions and failed loads reported so far. */
    List<String> errors() {
        return new ArrayList<>(errors);
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(message.toString(), true).join();
        try {
            JsonNode response = answer.get(30, TimeUnit.SECONDS);
            if (response.has("error")) {
                throw new IllegalStateException(method + " failed: " + response.path("error"));
            }
            return response.path("result");
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(method + " got no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pending.remove(id);
        }
    }

    private void onMessage(JsonNode message) {
        if (message.has("id")) {
            CompletableFuture<JsonNode> answer = pending.get(message.path("id").asInt());
            if (answer != null) {
                answer.complete(message);
            }
            return;
        }
        JsonNode params = message.path("params");
        switch (message.path("method").asText()) {
            case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails").path("exception")
                    .path("description").asText(params.path("exceptionDetails").path("text").asText()));
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.path("type").asText())) {
                    errors.add("console.error: " + params.path("args"));
                }
            }
            case "Log.entryAdded" -> {
                if ("error".equals(params.path("entry").path("level").asText())) {
                    errors.add("log: " + params.path("entry").path("text").asText() + " " + params.path("entry").path("url").asText());
                }
            }
            default -> {
            }
        }
    }

    static void pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser goes away below anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Joins a message's frames and hands each complete message to {@link #onMessage}. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    onMessage(JSON.readTree(text.toString()));
                } catch (IOException e) {
                    errors.add("unreadable DevTools message: " + e.getMessage());
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
