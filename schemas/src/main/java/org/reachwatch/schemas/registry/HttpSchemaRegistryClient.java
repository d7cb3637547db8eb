package org.reachwatch.schemas.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Client for a Schema Registry speaking Confluent's REST API v1 (Confluent's own server, or
 * reachwatch's). Thread-safe; ids and schemas are cached for the life of the client, so the hot
 * path does no HTTP after the first record of each schema.
 *
 * <p>Failures come in two kinds. When the registry cannot be reached, times out, or answers 5xx,
 * 408 or 429, the call is retried under the {@link RetryPolicy} and then fails with
 * {@link SchemaRegistryUnavailableException}: nothing was learnt, ask again later. Any other
 * answer (404 not found, 409 incompatible, 422 invalid...) is final, never retried, and fails
 * with a plain {@link SchemaRegistryException} carrying Confluent's error code. Failures are
 * never cached: the next call asks the registry again.
 *
 * <p>HTTP basic credentials and TLS settings come from a {@link RegistryClientConfig} (Confluent's
 * setting names, or user info in the URL). Messages name the registry by its URL without
 * credentials. A registry that refuses the credentials answers 401 or 403: a
 * {@link SchemaRegistryException} with that code, which no retry fixes.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final RegistryClientConfig config;
    private final String authorization;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final RetryPolicy retry;
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client for {@code baseUrl}; user info in it is sent as HTTP basic credentials. */
    public HttpSchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(10));
    }

    public HttpSchemaRegistryClient(String baseUrl, Duration requestTimeout) {
        this(RegistryClientConfig.of(baseUrl), requestTimeout, RetryPolicy.DEFAULT);
    }

    /** {@code requestTimeout} bounds each HTTP attempt (connect and answer); {@code retry} says how often to try again. */
    public HttpSchemaRegistryClient(String baseUrl, Duration requestTimeout, RetryPolicy retry) {
        this(RegistryClientConfig.of(baseUrl), requestTimeout, retry);
    }

    public HttpSchemaRegistryClient(RegistryClientConfig config) {
        this(config, Duration.ofSeconds(10));
    }

    public HttpSchemaRegistryClient(RegistryClientConfig config, Duration requestTimeout) {
        this(config, requestTimeout, RetryPolicy.DEFAULT);
    }

    public HttpSchemaRegistryClient(RegistryClientConfig config, Duration requestTimeout, RetryPolicy retry) {
        this.config = config;
        this.retry = retry;
        this.baseUrl = URI.create(config.url());
        this.authorization = config.authorization();
        this.requestTimeout = requestTimeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(requestTimeout);
        if (config.url().startsWith("https://")) {
            builder.sslContext(config.sslContext());
        }
        this.http = builder.build();
    }

    /** The registry's URL, without credentials. */
    public String baseUrl() {
        return baseUrl.toString();
    }

    /** How this client reaches its registry. */
    public RegistryClientConfig config() {
        return config;
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = answer.path("id").asInt();
        remember(subject, schema, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = answer.path("id").asInt();
        remember(subject, schema, id);
        return id;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        Schema schema = parse(answer.path("schema").asText());
        int id = answer.path("id").asInt();
        schemasById.putIfAbsent(id, schema);
        return new RegisteredSchema(answer.path("subject").asText(subject), answer.path("version").asInt(), id, schema);
    }

    @Override
    public Schema byId(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer.path("schema").asText());
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer;
        try {
            answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", schemaBody(schema));
        } catch (SchemaRegistryException e) {
            // Confluent's server answers 40401 for a subject with no versions (some versions answer true):
            // either way any schema may be registered there, as the in-memory registry says.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND) {
                return true;
            }
            throw e;
        }
        return answer.path("is_compatible").asBoolean(false);
    }

    /**
     * Asks the registry for its global compatibility level: succeeds when it answers and admits these
     * credentials, throws {@link SchemaRegistryException} (401/403, {@code UNREACHABLE}, ...) otherwise.
     */
    public void checkAccess() {
        send("GET", "/config", null);
    }

    private Integer cachedId(String subject, Schema schema) {
        Map<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void remember(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        schemasById.putIfAbsent(id, schema);
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schemaType", "AVRO");
        body.put("schema", schema.toString());
        return body.toString();
    }

    private Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA,
                    "registry " + baseUrl + " returned a schema that does not parse: " + e.getMessage(), e);
        }
    }

    /** One call with retries of the transient failures; registering is idempotent, so POSTs retry too. */
    private JsonNode send(String method, String path, String body) {
        for (int attempt = 0; ; attempt++) {
            try {
                return sendOnce(method, path, body);
            } catch (SchemaRegistryUnavailableException e) {
                if (attempt >= retry.maxRetries() || Thread.currentThread().isInterrupted()) {
                    if (attempt == 0) {
                        throw e;
                    }
                    throw new SchemaRegistryUnavailableException(e.errorCode(), e.getMessage() + " (" + (attempt + 1)
                            + " attempts)", e.getCause());
                }
                try {
                    Thread.sleep(retry.backoff(attempt).toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private JsonNode sendOnce(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // Connection refused or reset, unknown host, timeout (HttpTimeoutException is an IOException)
            throw new SchemaRegistryUnavailableException(SchemaRegistryException.UNREACHABLE,
                    "schema registry " + baseUrl + " is unreachable: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException(SchemaRegistryException.UNREACHABLE,
                    "interrupted while calling schema registry " + baseUrl, e);
        }
        JsonNode answer = readJson(response.body());
        int status = response.statusCode();
        if (status / 100 != 2) {
            int code = answer.path("error_code").asInt(status);
            String message = answer.path("message").asText(response.body());
            if (status == 401 || status == 403) {
                // Says nothing about any schema: not bad data. The caller holds (and a start-up check
                // stops a command whose credentials are wrong with one line).
                throw new SchemaRegistryUnavailableException(status, "schema registry " + baseUrl + " refused "
                        + (authorization == null ? "a request without credentials" : "the credentials") + " (HTTP "
                        + status + ": " + message + ")");
            }
            String text = "schema registry " + baseUrl + " answered " + method + " " + path
                    + " with HTTP " + status + " (error " + code + "): " + message;
            if (status / 100 == 5 || status == 408 || status == 429) {
                throw new SchemaRegistryUnavailableException(code, text);
            }
            throw new SchemaRegistryException(code, text);
        }
        return answer;
    }

    private static JsonNode readJson(String text) {
        try {
            return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " (" + message + ")");
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
