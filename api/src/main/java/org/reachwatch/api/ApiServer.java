package org.reachwatch.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.IncidentSummary;
import org.reachwatch.avro.NetworkStatus;
import org.reachwatch.avro.ServiceOutageCountry;
import org.reachwatch.detector.lifecycle.TrackerKey;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.schemas.json.AvroJson;

/**
 * The detector's HTTP surface (Javalin): the status API under {@code /api/v1}, {@code /health},
 * {@code /metrics} (Prometheus) and the live dashboard at {@code /}. All routes are declared here;
 * handlers parse and validate parameters, read the {@link DetectorBackend} and map errors to JSON
 * ({@code {"error": ..., "status": N}}: 400 for bad parameters, 404 for unknown ids and routes,
 * 503 while the detector starts or rebalances).
 *
 * <p>The server listens before the detector starts ({@link #start}), so its address can be the
 * detector's {@code application.server}; {@link #attach} then connects it to the running detector.
 * Until then every API route answers 503 and {@code /health} says {@code STARTING}.
 */
public final class ApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern ASN = Pattern.compile("AS[0-9]{1,10}");
    private static final Set<String> STATES = Set.of("open", "closed", "all");
    private static final String DASHBOARD = "/org/reachwatch/api/dashboard/";

    private final Javalin app;
    private final HostInfo advertised;
    private final ApiMetrics metrics = new ApiMetrics();
    private volatile DetectorBackend backend;

    private ApiServer(String bindHost, int port, String advertisedHost) {
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.host = bindHost;
            config.jetty.port = port;
            config.routes.get("/api/v1/incidents", this::incidents);
            config.routes.get("/api/v1/incidents/{incidentId}", this::incident);
            config.routes.get("/api/v1/service-outages", this::serviceOutages);
            config.routes.get("/api/v1/service-outages/{outageId}", this::serviceOutage);
            config.routes.get("/api/v1/status/{country}", this::status);
            config.routes.get("/api/v1/windows", this::windows);
            config.routes.get("/health", this::health);
            config.routes.get("/metrics", this::metrics);
            config.routes.get("/", ctx -> resource(ctx, "index.html", "text/html; charset=utf-8"));
            config.routes.get("/dashboard.js", ctx -> resource(ctx, "dashboard.js", "text/javascript; charset=utf-8"));
            config.routes.get("/dashboard.css", ctx -> resource(ctx, "dashboard.css", "text/css; charset=utf-8"));
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e));
            config.routes.error(404, ctx -> {
                // Our own 404s are JSON already; Javalin's "endpoint not found" is not.
                String type = ctx.res().getContentType();
                if (type == null || !type.startsWith("application/json")) {
                    error(ctx, 404, "no such resource: " + ctx.path());
                }
            });
        });
        app.start();
        this.advertised = new HostInfo(advertisedHost, app.port());
    }

    /**
     * Starts listening on {@code bindHost:port} ({@code port} 0: any free port).
     *
     * @param advertisedHost how other instances and users reach this one (the detector's {@code application.server} host)
     */
    public static ApiServer start(String bindHost, int port, String advertisedHost) {
        return new ApiServer(bindHost, port, advertisedHost);
    }

    /** The address to put in the detector's {@code application.server}. */
    public HostInfo advertised() {
        return advertised;
    }

    /** {@code application.server} value: {@code host:port}. */
    public String applicationServer() {
        return advertised.host() + ":" + advertised.port();
    }

    /** The dashboard's URL, {@code http://host:port/}. */
    public String url() {
        return "http://" + advertised.host() + ":" + advertised.port() + "/";
    }

    public int port() {
        return app.port();
    }

    /** Connects the server to a running detector; the backend is closed with the server. */
    public void attach(DetectorBackend backend) {
        this.backend = backend;
        metrics.bind(backend);
    }

    private DetectorBackend backend() {
        DetectorBackend b = backend;
        if (b == null) {
            throw ApiException.unavailable("the detector is starting");
        }
        return b;
    }

    // ---- /api/v1/incidents

    private void incidents(Context ctx) {
        String state = stateFilter(ctx.queryParam("state"));
        String country = optionalCountry(ctx.queryParam("country"));
        String target = blankToNull(ctx.queryParam("target"));
        ArrayNode list = NODES.arrayNode();
        for (OutputReadModel.IncidentView v : backend().model().incidents(state, country, target)) {
            list.add(incidentJson(v, false));
        }
        ObjectNode out = NODES.objectNode();
        out.put("version", backend().model().version());
        out.set("incidents", list);
        send(ctx, 200, out);
    }

    private void incident(Context ctx) {
        String id = ctx.pathParam("incidentId");
        OutputReadModel.IncidentView v = backend().model().incident(id);
        if (v == null) {
            throw ApiException.notFound("no incident with id '" + id + "'");
        }
        send(ctx, 200, incidentJson(v, true));
    }

    static ObjectNode incidentJson(OutputReadModel.IncidentView v, boolean withEvents) {
        IncidentSummary s = v.summary();
        ObjectNode o = NODES.objectNode();
        o.put("incidentId", s.getIncidentId());
        o.put("country", s.getCountry());
        o.put("asn", s.getAsn());
        o.put("target", s.getTarget());
        o.put("cause", s.getCause().toString());
        o.put("state", s.getState().toString());
        o.put("open", !"CLOSED".equals(s.getState().toString()));
        DisruptionEvent first = v.events().isEmpty() ? null : v.events().get(0);
        DisruptionEvent last = v.events().isEmpty() ? null : v.events().get(v.events().size() - 1);
        o.put("at", (first != null ? first.getAt() : s.getStartedAt()).toString());
        o.put("lastChangeAt", s.getLastChangeAt().toString());
        o.put("closedAt", s.getClosedAt() == null ? null : s.getClosedAt().toString());
        o.set("lastEvent", last == null ? NODES.nullNode() : AvroJson.toJson(last));
        ArrayNode blocked = NODES.arrayNode();
        ArrayNode throttled = NODES.arrayNode();
        List<NetworkStatus> networks = last != null ? last.getNetworks() : s.getNetworks();
        for (NetworkStatus n : networks) {
            if (n.getBlocked()) {
                blocked.add(n.getAsn());
            }
            if (n.getThrottled()) {
                throttled.add(n.getAsn());
            }
        }
        o.set("blockedNetworks", blocked);
        o.set("throttledNetworks", throttled);
        ArrayNode methods = NODES.arrayNode();
        s.getMethods().forEach(m -> methods.add(m.toString()));
        o.set("methods", methods);
        o.put("reblocks", s.getReblocks());
        o.put("blockedMillis", s.getBlockedMillis());
        o.set("phases", AvroJson.toJson(s).get("phases"));
        if (withEvents) {
            ArrayNode events = NODES.arrayNode();
            v.events().forEach(e -> events.add(AvroJson.toJson(e)));
            o.set("events", events);
        }
        return o;
    }

    // ---- /api/v1/service-outages

    private void serviceOutages(Context ctx) {
        String state = stateFilter(ctx.queryParam("state"));
        String target = blankToNull(ctx.queryParam("target"));
        ArrayNode list = NODES.arrayNode();
        for (OutputReadModel.ServiceOutageView v : backend().model().serviceOutages(state, target)) {
            list.add(serviceOutageJson(v));
        }
        ObjectNode out = NODES.objectNode();
        out.put("version", backend().model().version());
        out.set("serviceOutages", list);
        send(ctx, 200, out);
    }

    private void serviceOutage(Context ctx) {
        String id = ctx.pathParam("outageId");
        OutputReadModel.ServiceOutageView v = backend().model().serviceOutage(id);
        if (v == null) {
            throw ApiException.notFound("no service outage with id '" + id + "'");
        }
        send(ctx, 200, serviceOutageJson(v));
    }

    static ObjectNode serviceOutageJson(OutputReadModel.ServiceOutageView v) {
        ObjectNode o = NODES.objectNode();
        o.put("outageId", v.outageId());
        o.put("target", v.target());
        o.put("state", v.open() ? "OPEN" : "CLOSED");
        o.put("start", v.start() == null ? null : v.start().toString());
        o.put("end", v.end() == null ? null : v.end().toString());
        ArrayNode countries = NODES.arrayNode();
        for (ServiceOutageCountry c : v.countries()) {
            countries.add(AvroJson.toJson(c));
        }
        o.set("countries", countries);
        ArrayNode events = NODES.arrayNode();
        v.events().forEach(e -> events.add(AvroJson.toJson(e)));
        o.set("events", events);
        return o;
    }

    // ---- /api/v1/status/{country}

    private void status(Context ctx) {
        String country = requiredCountry(ctx.pathParam("country"), "country");
        DetectorBackend b = backend();
        KeyQueryMetadata owner = b.owner(country);
        if (!b.isSelf(owner.activeHost())) {
            if (ctx.header(DetectorBackend.FORWARDED_HEADER) != null) {
                // Forwarded here, yet not ours: the assignment moved meanwhile. No second hop.
                throw ApiException.unavailable("the detector is rebalancing: " + country + " moved, retry shortly");
            }
            DetectorBackend.Forwarded f = b.forward(owner.activeHost(), ctx.path()
                    + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
            ctx.header(DetectorBackend.SERVED_BY_HEADER, f.servedBy());
            ctx.status(f.status()).contentType("application/json").result(f.body());
            return;
        }
        Map<String, TrackerState> trackers = b.localTrackers(country, owner.partition());
        Map<String, AvailabilityWindow> latest = b.model().latestWindows(country);
        Map<String, ObjectNode> targets = new LinkedHashMap<>();
        List<ObjectNode> networkRows = new ArrayList<>();
        for (Map.Entry<String, TrackerState> e : trackers.entrySet()) {
            TrackerState t = e.getValue();
            ObjectNode row = trackerJson(t, latest.get(e.getKey()));
            if (t.asn == null) {
                row.set("networks", NODES.arrayNode());
                targets.put(t.target, row);
            } else {
                networkRows.add(row);
            }
        }
        for (ObjectNode n : networkRows) {
            ObjectNode parent = targets.computeIfAbsent(n.get("target").asText(), k -> {
                ObjectNode p = NODES.objectNode();
                p.put("target", k);
                p.set("networks", NODES.arrayNode());
                return p;
            });
            ((ArrayNode) parent.get("networks")).add(n);
        }
        ObjectNode out = NODES.objectNode();
        out.put("country", country);
        out.put("servedBy", b.self());
        out.put("partition", owner.partition());
        ArrayNode list = NODES.arrayNode();
        targets.values().forEach(list::add);
        out.set("targets", list);
        if (targets.isEmpty()) {
            throw ApiException.notFound("the detector has no tracker for country " + country + " (no measurement from it yet)");
        }
        ctx.header(DetectorBackend.SERVED_BY_HEADER, b.self());
        send(ctx, 200, out);
    }

    private static ObjectNode trackerJson(TrackerState t, AvailabilityWindow w) {
        ObjectNode o = NODES.objectNode();
        o.put("target", t.target);
        o.put("asn", t.asn);
        o.put("region", TrackerKey.REGION.equals(t.target));
        // The tracker's judgement after its latest closed window.
        o.put("verdict", t.stage.toString());
        o.put("availability", t.lastAvailability);
        if (TrackerKey.REGION.equals(t.target)) {
            o.putNull("baseline");
        } else {
            o.put("baseline", 1 - t.baseline);
        }
        boolean incident = t.asn == null && t.incidentId != null && t.inIncident();
        o.put("incidentId", incident ? t.incidentId : null);
        o.put("cause", incident && t.cause != null ? t.cause.toString() : null);
        if (t.asn != null) {
            o.put("blocking", t.named);
        }
        if (t.darkSince != null) {
            o.put("darkSince", Instant.ofEpochMilli(t.darkSince).toString());
        }
        if (w != null) {
            ObjectNode window = NODES.objectNode();
            window.put("windowStart", w.getWindowStart().toString());
            window.put("windowEnd", w.getWindowEnd().toString());
            window.put("availability", w.getAvailability());
            window.put("measurements", w.getTotal());
            window.put("distinctProbes", w.getDistinctProbes());
            o.set("latestWindow", window);
        }
        return o;
    }

    // ---- /api/v1/windows

    private void windows(Context ctx) {
        String country = requiredCountry(ctx.queryParam("country"), "country");
        String target = blankToNull(ctx.queryParam("target"));
        Boolean control = optionalBoolean(ctx.queryParam("control"), "control");
        if (target == null && !Boolean.TRUE.equals(control)) {
            throw ApiException.badRequest("target is required (a host name such as x.com, or * for a region's connectivity), "
                    + "unless control=true (every control target of the country)");
        }
        String asn = blankToNull(ctx.queryParam("asn"));
        if (asn != null && !"*".equals(asn)) {
            asn = asn.toUpperCase(Locale.ROOT);
            if (!ASN.matcher(asn).matches()) {
                throw ApiException.badRequest("asn must look like AS17557 (or * for the country and every network), not '"
                        + ctx.queryParam("asn") + "'");
            }
        }
        Instant from = instant(ctx.queryParam("from"), "from");
        Instant to = instant(ctx.queryParam("to"), "to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw ApiException.badRequest("from must be before to");
        }
        ArrayNode list = NODES.arrayNode();
        for (AvailabilityWindow w : backend().model().windows(country, target, asn, control, from, to)) {
            list.add(AvroJson.toJson(w));
        }
        ObjectNode out = NODES.objectNode();
        out.put("country", country);
        out.put("target", target);
        out.put("asn", asn);
        if (control != null) {
            out.put("control", control);
        }
        out.set("windows", list);
        send(ctx, 200, out);
    }

    // ---- /health and /metrics

    private void health(Context ctx) {
        ObjectNode out = NODES.objectNode();
        DetectorBackend b = backend;
        if (b == null) {
            out.put("status", "STARTING");
            out.put("streams", "NOT_STARTED");
            send(ctx, 503, out);
            return;
        }
        KafkaStreams.State state = b.streams().state();
        String registry = b.registryProblem();
        Throwable readModel = b.model().failure();
        boolean up = state == KafkaStreams.State.RUNNING && registry == null && readModel == null;
        out.put("status", up ? "UP" : "DOWN");
        out.put("live", state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR);
        out.put("ready", up);
        out.put("streams", state.toString());
        out.put("registry", registry == null ? "UP" : "DOWN: " + registry);
        out.put("readModel", readModel == null ? "UP" : "DOWN: " + readModel.getMessage());
        out.put("server", b.self());
        try {
            out.set("instances", JSON.valueToTree(b.instances()));
        } catch (RuntimeException e) {
            out.putNull("instances");
        }
        send(ctx, up ? 200 : 503, out);
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    // ---- helpers

    private static void resource(Context ctx, String name, String contentType) {
        try (InputStream in = ApiServer.class.getResourceAsStream(DASHBOARD + name)) {
            if (in == null) {
                throw ApiException.notFound("no such resource: " + name);
            }
            ctx.contentType(contentType).header("Cache-Control", "no-cache").result(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(Context ctx, int status, ObjectNode body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(Context ctx, int status, String message) {
        ObjectNode body = NODES.objectNode();
        body.put("error", message);
        body.put("status", status);
        send(ctx, status, body);
    }

    /** The {@code state} filter: open, closed or all (the default). */
    private static String stateFilter(String raw) {
        String state = raw == null ? "all" : raw.toLowerCase(Locale.ROOT);
        if (!STATES.contains(state)) {
            throw ApiException.badRequest("state must be open, closed or all, not '" + raw + "'");
        }
        return state;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static Boolean optionalBoolean(String raw, String name) {
        String value = blankToNull(raw);
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw ApiException.badRequest(name + " must be true or false, not '" + raw + "'");
        };
    }

    private static String optionalCountry(String raw) {
        return blankToNull(raw) == null ? null : requiredCountry(raw, "country");
    }

    private static String requiredCountry(String raw, String name) {
        if (blankToNull(raw) == null) {
            throw ApiException.badRequest(name + " is required (ISO 3166-1 alpha-2, e.g. PK)");
        }
        String cc = raw.trim().toUpperCase(Locale.ROOT);
        if (!COUNTRY.matcher(cc).matches()) {
            throw ApiException.badRequest(name + " must be an ISO 3166-1 alpha-2 code such as PK, not '" + raw + "'");
        }
        return cc;
    }

    private static Instant instant(String raw, String name) {
        if (blankToNull(raw) == null) {
            return null;
        }
        try {
            return Instant.parse(raw.trim());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be an ISO-8601 UTC time such as 2024-02-17T20:00:00Z, not '" + raw + "'");
        }
    }

    @Override
    public void close() {
        app.stop();
        metrics.close();
        DetectorBackend b = backend;
        if (b != null) {
            b.close();
        }
    }
}
