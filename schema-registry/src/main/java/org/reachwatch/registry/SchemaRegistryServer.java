package org.reachwatch.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLParameters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry speaking Confluent's REST API v1 (the subset serdes and Confluent's clients use:
 * subjects, versions, ids, lookup, compatibility, config), for Avro schemas only.
 *
 * <p>State lives in the compacted Kafka topic {@code _schemas} (created if missing) and is read back
 * in full at start, so ids survive restarts. The same schema (equal once parsed) gets the same global
 * id under every subject. Compatibility is decided by Avro's own validator, default BACKWARD.
 *
 * <p>Access ({@link RegistryServerConfig}): listens on 127.0.0.1 unless told otherwise; optional
 * HTTP basic authentication (401 without valid credentials, 403 for a user outside the allowed
 * roles) and TLS, with Confluent's server setting names; request bodies above
 * {@code request.max.bytes} are refused with 413 before they are read into memory.
 *
 * <p>Limits: one server per {@code _schemas} topic (no leader election between instances); no
 * schema references, no PROTOBUF/JSON schemas (refused with 42201); one listener.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaSchemaLog log;
    private final Registry registry;
    private final HttpServer http;
    private final ExecutorService executor;
    private final RegistryServerConfig config;
    private final AtomicLong requests = new AtomicLong();

    private SchemaRegistryServer(KafkaSchemaLog log, Registry registry, HttpServer http, ExecutorService executor,
                                 RegistryServerConfig config) {
        this.log = log;
        this.registry = registry;
        this.http = http;
        this.executor = executor;
        this.config = config;
    }

    /**
     * Reads the registry's state from {@code _schemas} on {@code bootstrapServers} and starts serving on
     * {@code port} (0 picks a free port) on 127.0.0.1, without authentication. Fails with an
     * {@link IllegalStateException} when Kafka cannot be reached within 30 s, or with an
     * {@link java.io.UncheckedIOException} when the port is taken.
     */
    public static SchemaRegistryServer start(String bootstrapServers, int port) {
        return start(RegistryServerConfig.builder(bootstrapServers).port(port).build());
    }

    /** As {@link #start(String, int)}, listening, admitting and reaching Kafka as {@code config} says. */
    public static SchemaRegistryServer start(RegistryServerConfig config) {
        return start(config, KafkaSchemaLog.DEFAULT_TIMEOUT);
    }

    /** As {@link #start(String, int)}, every Kafka call bounded by {@code storeTimeout} (tests shorten it). */
    static SchemaRegistryServer start(String bootstrapServers, int port, Duration storeTimeout) {
        return start(RegistryServerConfig.builder(bootstrapServers).port(port).build(), storeTimeout);
    }

    static SchemaRegistryServer start(RegistryServerConfig config, Duration storeTimeout) {
        String bootstrapServers = config.bootstrapServers();
        int port = config.port();
        KafkaSchemaLog log = new KafkaSchemaLog(bootstrapServers, config.storeClientConfig(), storeTimeout);
        HttpServer http = null;
        try {
            Registry registry = new Registry(log);
            http = listen(config);
            AtomicInteger threads = new AtomicInteger();
            // More threads than Registry.MAX_PENDING_WRITES: writes waiting on Kafka never hold them all, reads keep flowing.
            ExecutorService executor = Executors.newFixedThreadPool(2 * Registry.MAX_PENDING_WRITES, r -> {
                Thread t = new Thread(r, "schema-registry-http-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(executor);
            SchemaRegistryServer server = new SchemaRegistryServer(log, registry, http, executor, config);
            http.createContext("/", server::handle);
            http.start();
            LOG.info("schema registry listening on {} with {} schemas from {}", server.url(), registry.schemaCount(), bootstrapServers);
            return server;
        } catch (IOException e) {
            log.close();
            throw new java.io.UncheckedIOException("cannot listen on " + config.host() + ":" + port + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (http != null) {
                http.stop(0);
            }
            log.close();
            throw e;
        }
    }

    private static HttpServer listen(RegistryServerConfig config) throws IOException {
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve the registry's listener host " + config.host());
        }
        if (config.sslContext() == null) {
            return HttpServer.create(address, 64);
        }
        HttpsServer https = HttpsServer.create(address, 64);
        String clientAuthentication = config.clientAuthentication();
        https.setHttpsConfigurator(new HttpsConfigurator(config.sslContext()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(clientAuthentication.equals("REQUIRED"));
                if (clientAuthentication.equals("REQUESTED")) {
                    ssl.setWantClientAuth(true);
                }
                params.setSSLParameters(ssl);
            }
        });
        return https;
    }

    /**
     * {@code http(s)://HOST:PORT} for clients on this machine: the listener's address, or
     * {@code localhost} when it listens on every interface.
     */
    public String url() {
        InetSocketAddress address = http.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "localhost"
                : address.getAddress() instanceof java.net.Inet6Address ? "[" + address.getHostString() + "]" : address.getHostString();
        return (config.sslContext() == null ? "http" : "https") + "://" + host + ":" + address.getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Number of HTTP requests served since start (any path, any outcome): lets tests prove client caching. */
    public long requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        int status;
        Object body;
        try {
            authenticate(exchange);
            body = route(exchange);
            status = 200;
        } catch (RegistryError e) {
            status = e.status;
            body = error(e.errorCode, e.getMessage());
        } catch (BadRequest e) {
            status = 400;
            body = error(400, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("schema registry failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            status = 500;
            body = error(50001, "Internal error: " + e);
        }
        byte[] bytes = body instanceof String raw ? raw.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Lets the request through, or throws 401 (no or wrong credentials) or 403 (a user without an allowed role). */
    private void authenticate(HttpExchange exchange) {
        if (!config.basicAuth()) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        RegistryServerConfig.User user = null;
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    user = config.authenticate(decoded.substring(0, colon), decoded.substring(colon + 1));
                }
            } catch (IllegalArgumentException e) {
                user = null;
            }
        }
        if (user == null) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"" + config.realm() + "\"");
            throw new RegistryError(401, 401, "Unauthorized");
        }
        if (!config.allowed(user)) {
            throw new RegistryError(403, 403, "Forbidden: the user has none of the roles allowed in");
        }
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private Object route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        List<String> path = segments(exchange.getRequestURI().getRawPath());
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        int n = path.size();
        String first = n == 0 ? "" : path.get(0);
        switch (first) {
            case "" -> {
                return JSON.createObjectNode();
            }
            case "subjects" -> {
                boolean deleted = Boolean.parseBoolean(query.get("deleted"));
                if (n == 1 && method.equals("GET")) {
                    return registry.subjects(deleted);
                }
                if (n < 2) {
                    break;
                }
                String subject = path.get(1);
                if (n == 2 && method.equals("POST")) {
                    Registry.Version v = registry.lookup(subject, schemaOf(exchange), deleted);
                    return versionBody(v);
                }
                if (n == 2 && method.equals("DELETE")) {
                    return registry.deleteSubject(subject, Boolean.parseBoolean(query.get("permanent")));
                }
                if (n >= 3 && path.get(2).equals("versions")) {
                    if (n == 3 && method.equals("GET")) {
                        return registry.versions(subject, deleted);
                    }
                    if (n == 3 && method.equals("POST")) {
                        int id = registry.register(subject, schemaOf(exchange));
                        return JSON.createObjectNode().put("id", id);
                    }
                    if (n == 4 && method.equals("GET")) {
                        return versionBody(registry.version(subject, path.get(3), deleted));
                    }
                    if (n == 4 && method.equals("DELETE")) {
                        return registry.deleteVersion(subject, path.get(3), Boolean.parseBoolean(query.get("permanent")));
                    }
                    if (n == 5 && method.equals("GET") && path.get(4).equals("schema")) {
                        return registry.schemaText(registry.version(subject, path.get(3), deleted).id());
                    }
                }
            }
            case "schemas" -> {
                if (n == 3 && path.get(1).equals("ids") && method.equals("GET")) {
                    return JSON.createObjectNode().put("schema", registry.schemaText(schemaId(path.get(2))));
                }
                if (n == 4 && path.get(1).equals("ids") && path.get(3).equals("schema") && method.equals("GET")) {
                    return registry.schemaText(schemaId(path.get(2)));
                }
                if (n == 2 && path.get(1).equals("types") && method.equals("GET")) {
                    return List.of("AVRO");
                }
            }
            case "compatibility" -> {
                if (n == 5 && path.get(1).equals("subjects") && path.get(3).equals("versions") && method.equals("POST")) {
                    boolean ok = registry.isCompatible(path.get(2), path.get(4), schemaOf(exchange));
                    return JSON.createObjectNode().put("is_compatible", ok);
                }
            }
            case "config" -> {
                String subject = n == 2 ? path.get(1) : null;
                if (n > 2) {
                    break;
                }
                switch (method) {
                    case "GET" -> {
                        CompatibilityLevel level = subject == null ? registry.globalLevel()
                                : registry.subjectLevel(subject, Boolean.parseBoolean(query.get("defaultToGlobal")));
                        return JSON.createObjectNode().put("compatibilityLevel", level.name());
                    }
                    case "PUT" -> {
                        JsonNode request = readBody(exchange);
                        CompatibilityLevel level = CompatibilityLevel.parse(request.path("compatibility").asText(null));
                        registry.setLevel(subject, level);
                        return JSON.createObjectNode().put("compatibility", level.name());
                    }
                    case "DELETE" -> {
                        if (subject != null) {
                            return JSON.createObjectNode().put("compatibilityLevel", registry.deleteSubjectLevel(subject).name());
                        }
                    }
                    default -> {
                    }
                }
            }
            case "associations" -> {
                // Confluent's newer clients ask for a topic's associated subject first and fall back to
                // TopicNameStrategy only on a 404, so "none" must be exactly this answer.
                throw new RegistryError(404, RegistryError.SUBJECT_NOT_FOUND, "No association found");
            }
            default -> {
            }
        }
        throw new RegistryError(404, 404, "HTTP 404 Not Found: " + method + " " + exchange.getRequestURI().getPath());
    }

    private ObjectNode versionBody(Registry.Version v) {
        return JSON.createObjectNode().put("subject", v.subject()).put("version", v.version()).put("id", v.id())
                .put("schema", registry.schemaText(v.id()));
    }

    /** Reads {@code {"schema": "...", "schemaType": "AVRO"}} and returns the schema text; other types are refused. */
    private String schemaOf(HttpExchange exchange) throws IOException {
        JsonNode request = readBody(exchange);
        String type = request.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw RegistryError.invalidSchema("schemaType " + type + " is not supported by this registry (AVRO only)");
        }
        JsonNode references = request.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw RegistryError.invalidSchema("schema references are not supported by this registry");
        }
        JsonNode schema = request.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryError.invalidSchema("the request has no \"schema\" string");
        }
        return schema.asText();
    }

    private JsonNode readBody(HttpExchange exchange) throws IOException {
        int max = config.maxRequestBytes();
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.trim().matches("\\d{1,19}") && Long.parseLong(length.trim()) > max) {
            throw tooLarge(max);
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw tooLarge(max);
            }
            if (bytes.length == 0) {
                throw new BadRequest("the request has no body");
            }
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new BadRequest("the request body is not a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static RegistryError tooLarge(int max) {
        return new RegistryError(413, 413, "Request body larger than " + max + " bytes (request.max.bytes)");
    }

    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryError.schemaNotFound("Schema " + text + " not found");
        }
    }

    private static List<String> segments(String rawPath) {
        List<String> result = new ArrayList<>();
        for (String part : rawPath.split("/")) {
            if (!part.isEmpty()) {
                result.add(URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return result;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> result = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                result.put(key, value);
            }
        }
        return result;
    }

    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
