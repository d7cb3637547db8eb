package org.reachwatch.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.BlockingMethod;
import org.reachwatch.avro.DisruptionEvent;
import org.reachwatch.avro.EventType;
import org.reachwatch.avro.NetworkStatus;

/**
 * A self-contained HTML page (inline SVG, no scripts, no external resources) with one availability
 * chart per (country, target) that has an event (a block, an outage or a throttle): the
 * country-level availability over time as a bold line, each network as a thin line, the incident's
 * phases shaded (blocked red, partially restored amber, throttled violet) and every event marked and
 * listed. The chart a monitoring organisation would publish.
 *
 * <p>A throttled target (a throttling event, the {@code THROTTLING} method, or a network marked
 * {@code throttled}) whose windows carry download speeds gets a speed chart under its availability
 * chart, on the same time axis: the country-level median speed (bold), each network's (thin, the
 * availability chart's colours) and the median of the country's control targets (dashed grey), in
 * bit/s on a log scale (a throttle divides speed by a factor; on a linear axis the throttled line
 * would sit on zero and networks of different speeds could not share the chart). The speed of an
 * unthrottled target is not drawn: without a throttle it is congestion, not a story. Speed charts
 * draw {@code control: true} windows of the same country at country level (asn null); callers pass
 * them with the target's own windows.
 */
public final class AvailabilityReport {
    static final int WIDTH = 960;
    static final int HEIGHT = 260;
    static final int SPEED_HEIGHT = 200;
    static final int LEFT = 48;
    static final int RIGHT = 16;
    static final int TOP = 16;
    static final int BOTTOM = 36;
    static final String BLOCKED_COLOUR = "#d62728";
    static final String PARTIAL_COLOUR = "#ff9f1c";
    static final String THROTTLED_COLOUR = "#6a3d9a";
    static final String CONTROL_COLOUR = "#888";
    private static final String[] NETWORK_COLOURS = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22"};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    private AvailabilityReport() {
    }

    /** Region and target of one chart. */
    record ChartKey(String country, String target) implements Comparable<ChartKey> {
        @Override
        public int compareTo(ChartKey o) {
            return Comparator.comparing(ChartKey::country).thenComparing(ChartKey::target).compare(this, o);
        }
    }

    /** A shaded stretch of a chart: {@code blocked}, {@code partial} or {@code throttled}. */
    record Phase(Instant from, Instant to, String kind) {
    }

    /** One value of a line, drawn at the middle of its window; a null value breaks the line. */
    private record Point(Instant start, Instant end, Double value) {
        Instant mid() {
            return start.plusMillis((end.toEpochMilli() - start.toEpochMilli()) / 2);
        }
    }

    /** Writes the report to {@code file} and returns the number of charts drawn. */
    public static int write(Path file, String title, List<AvailabilityWindow> windows, List<DisruptionEvent> events) throws IOException {
        String html = render(title, windows, events);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, html, StandardCharsets.UTF_8);
        return chartKeys(events).size();
    }

    static String render(String title, List<AvailabilityWindow> windows, List<DisruptionEvent> events) {
        StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}"
                        + "h2{margin:28px 0 4px;font-size:18px}table{border-collapse:collapse;font-size:13px;margin-top:6px}"
                        + "td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}"
                        + ".legend span{display:inline-block;margin-right:14px;font-size:12px}</style></head><body>\n")
                .append("<h1>").append(escape(title)).append("</h1>\n");
        List<ChartKey> keys = chartKeys(events);
        if (keys.isEmpty()) {
            html.append("<p>No disruption was detected.</p>\n");
        }
        for (ChartKey key : keys) {
            List<AvailabilityWindow> chartWindows = windows.stream()
                    .filter(w -> w.getCountry().equals(key.country()) && w.getTarget().equals(key.target()))
                    .sorted(Comparator.comparing(AvailabilityWindow::getWindowStart))
                    .toList();
            List<AvailabilityWindow> controls = windows.stream()
                    .filter(w -> w.getControl() && w.getAsn() == null && w.getCountry().equals(key.country())
                            && !w.getTarget().equals(key.target()))
                    .toList();
            List<DisruptionEvent> chartEvents = events.stream()
                    .filter(e -> e.getCountry().equals(key.country()) && e.getTarget().equals(key.target()))
                    .sorted(Comparator.comparing(DisruptionEvent::getAt))
                    .toList();
            html.append("<section class=\"target\" data-country=\"").append(escape(key.country())).append("\" data-target=\"")
                    .append(escape(key.target())).append("\">\n<h2>").append(escape(key.target())).append(" from ")
                    .append(escape(key.country())).append("</h2>\n");
            html.append(charts(chartWindows, controls, chartEvents));
            html.append(eventTable(chartEvents)).append("</section>\n");
        }
        html.append("<p style=\"font-size:12px;color:#666\">Availability = reachable / (reachable + unreachable + site down) per window; "
                + "shaded red: blocked, amber: partially restored, violet: throttled. Speed (throttled targets only) = median download "
                + "speed per window in bit/s on a log scale; dashed grey: the median of the country's control targets. "
                + "Times UTC. Generated by reachwatch.</p>\n</body></html>\n");
        return html.toString();
    }

    static List<ChartKey> chartKeys(List<DisruptionEvent> events) {
        return new ArrayList<>(events.stream().map(e -> new ChartKey(e.getCountry(), e.getTarget()))
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    /** Whether any event says the target is throttled (or was): a throttling event, the method, or a throttling network. */
    static boolean throttled(List<DisruptionEvent> events) {
        for (DisruptionEvent e : events) {
            if (e.getType() == EventType.THROTTLING_STARTED || e.getType() == EventType.THROTTLING_ENDED
                    || e.getMethods().contains(BlockingMethod.THROTTLING)
                    || e.getNetworks().stream().anyMatch(NetworkStatus::getThrottled)) {
                return true;
            }
        }
        return false;
    }

    /** The events a chart's phases and markers follow: the country level when there is one, else the networks'. */
    private static List<DisruptionEvent> storyEvents(List<DisruptionEvent> events) {
        boolean countryLevel = events.stream().anyMatch(e -> e.getAsn() == null);
        return countryLevel ? events.stream().filter(e -> e.getAsn() == null).toList() : events;
    }

    /**
     * Phases of the country-level incident(s), or of network-level ones when there is no country-level
     * event. One state at a time, as the incident's own phases: a throttle follows a block ("blocked,
     * partially restored, then throttled"). {@code THROTTLING_ENDED} ends a throttled stretch only (a
     * block that came meanwhile goes on), and {@code RESTORED} does not end one (availability is back,
     * the speed is not).
     */
    static List<Phase> phases(List<DisruptionEvent> events, Instant end) {
        List<Phase> phases = new ArrayList<>();
        Instant from = null;
        String kind = null;
        for (DisruptionEvent e : storyEvents(events)) {
            if (e.getType() == EventType.METHOD_CHANGED) {
                continue;
            }
            String next = switch (e.getType()) {
                case DISRUPTION_STARTED, REBLOCKED -> "blocked";
                case PARTIAL_RESTORATION -> "partial";
                case THROTTLING_STARTED -> "throttled";
                case THROTTLING_ENDED -> "throttled".equals(kind) ? null : kind;
                case RESTORED -> "throttled".equals(kind) ? kind : null;
                case INCIDENT_CLOSED -> null;
                default -> kind;
            };
            if (from != null && !Objects.equals(next, kind)) {
                phases.add(new Phase(from, e.getAt(), kind));
                from = null;
            }
            if (next != null && from == null) {
                from = e.getAt();
            }
            kind = next;
        }
        if (from != null) {
            phases.add(new Phase(from, end, kind));
        }
        return phases;
    }

    private static String charts(List<AvailabilityWindow> windows, List<AvailabilityWindow> controls, List<DisruptionEvent> events) {
        Instant start = windows.isEmpty() ? events.get(0).getAt() : windows.get(0).getWindowStart();
        Instant end = windows.isEmpty() ? events.get(events.size() - 1).getAt()
                : windows.stream().map(AvailabilityWindow::getWindowEnd).max(Comparator.naturalOrder()).orElseThrow();
        for (DisruptionEvent e : events) {
            if (e.getAt().isBefore(start)) {
                start = e.getAt();
            }
            if (e.getAt().isAfter(end)) {
                end = e.getAt();
            }
        }
        TimeAxis axis = new TimeAxis(start.toEpochMilli(), Math.max(1, end.toEpochMilli() - start.toEpochMilli()));
        List<Phase> phases = phases(events, end);
        Map<String, List<AvailabilityWindow>> byNetwork = new TreeMap<>();
        List<AvailabilityWindow> country = new ArrayList<>();
        for (AvailabilityWindow w : windows) {
            if (w.getAsn() == null) {
                country.add(w);
            } else {
                byNetwork.computeIfAbsent(w.getAsn(), a -> new ArrayList<>()).add(w);
            }
        }
        Map<String, String> colours = new LinkedHashMap<>();
        int c = 0;
        for (String asn : byNetwork.keySet()) {
            colours.put(asn, NETWORK_COLOURS[c++ % NETWORK_COLOURS.length]);
        }
        StringBuilder out = new StringBuilder();
        out.append(availabilityChart(axis, phases, events, country, byNetwork, colours));
        if (throttled(events)) {
            out.append(speedChart(axis, phases, events, country, byNetwork, colours, controls, start, end));
        }
        return out.toString();
    }

    private static String availabilityChart(TimeAxis axis, List<Phase> phases, List<DisruptionEvent> events,
                                            List<AvailabilityWindow> country, Map<String, List<AvailabilityWindow>> byNetwork,
                                            Map<String, String> colours) {
        DoubleUnaryOperator y = v -> TOP + (HEIGHT - TOP - BOTTOM) * (1 - v);
        StringBuilder svg = new StringBuilder();
        svg.append(svgOpen("availability", HEIGHT));
        shade(svg, axis, phases, HEIGHT);
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%d%%</text>\n",
                    LEFT, WIDTH - RIGHT, y.applyAsDouble(v), y.applyAsDouble(v), LEFT - 4, y.applyAsDouble(v) + 4, Math.round(v * 100)));
        }
        timeLabels(svg, axis, HEIGHT);
        Function<AvailabilityWindow, Double> availability = AvailabilityWindow::getAvailability;
        byNetwork.forEach((asn, list) -> svg.append(polyline(points(list, availability), axis, y, colours.get(asn), 1.0, "0.55",
                null, "network", asn)));
        svg.append(polyline(points(country, availability), axis, y, "#111", 2.5, "1", null, "country", null));
        markers(svg, axis, events, HEIGHT, true);
        svg.append("</svg>\n<div class=\"legend\"><span><b style=\"color:#111\">&#9473;</b> country</span>");
        colours.forEach((asn, colour) -> svg.append("<span><b style=\"color:").append(colour).append("\">&#9472;</b> ")
                .append(escape(asn)).append("</span>"));
        svg.append("</div>\n");
        return svg.toString();
    }

    /**
     * The speed chart of a throttled target, or nothing when none of its windows has a speed. Values are
     * bit/s (the windows' bytes/s × 8) on a log axis from the decade below the slowest value drawn to the
     * decade above the fastest.
     */
    private static String speedChart(TimeAxis axis, List<Phase> phases, List<DisruptionEvent> events, List<AvailabilityWindow> country,
                                     Map<String, List<AvailabilityWindow>> byNetwork, Map<String, String> colours,
                                     List<AvailabilityWindow> controls, Instant start, Instant end) {
        Function<AvailabilityWindow, Double> speed = w -> bits(w.getMedianThroughputBytesPerSecond());
        List<Point> countryPoints = points(country, speed);
        Map<String, List<Point>> networkPoints = new LinkedHashMap<>();
        byNetwork.forEach((asn, list) -> {
            List<Point> p = points(list, speed);
            if (p.stream().anyMatch(x -> x.value() != null)) {
                networkPoints.put(asn, p);
            }
        });
        if (countryPoints.stream().allMatch(p -> p.value() == null) && networkPoints.isEmpty()) {
            return "";
        }
        List<Point> controlPoints = controlPoints(controls, start, end);
        List<Double> values = new ArrayList<>();
        for (List<Point> list : List.of(countryPoints, controlPoints)) {
            list.forEach(p -> values.add(p.value()));
        }
        networkPoints.values().forEach(list -> list.forEach(p -> values.add(p.value())));
        LogAxis log = LogAxis.of(values);
        DoubleUnaryOperator y = log::y;
        StringBuilder svg = new StringBuilder();
        svg.append(svgOpen("speed", SPEED_HEIGHT));
        shade(svg, axis, phases.stream().filter(p -> p.kind().equals("throttled")).toList(), SPEED_HEIGHT);
        for (double tick : log.ticks()) {
            double ty = log.y(tick);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text class=\"speed-tick\" data-value=\"%s\" x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
                    LEFT, WIDTH - RIGHT, ty, ty, Double.toString(tick), LEFT - 4, ty + 4, compact(tick)));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">download speed, bit/s "
                + "(log scale)</text>\n", LEFT + 4, TOP - 4));
        timeLabels(svg, axis, SPEED_HEIGHT);
        networkPoints.forEach((asn, list) -> svg.append(polyline(list, axis, y, colours.get(asn), 1.0, "0.55", null,
                "network", asn)));
        svg.append(polyline(controlPoints, axis, y, CONTROL_COLOUR, 1.5, "1", "6,4", "control", null));
        svg.append(polyline(countryPoints, axis, y, "#111", 2.5, "1", null, "country", null));
        markers(svg, axis, events, SPEED_HEIGHT, false);
        svg.append("</svg>\n<div class=\"legend\"><span><b style=\"color:#111\">&#9473;</b> country median speed</span>");
        networkPoints.keySet().forEach(asn -> svg.append("<span><b style=\"color:").append(colours.get(asn))
                .append("\">&#9472;</b> ").append(escape(asn)).append("</span>"));
        if (controlPoints.isEmpty()) {
            svg.append("<span>no control target measured speed</span>");
        } else {
            svg.append("<span><b style=\"color:").append(CONTROL_COLOUR).append("\">&#9476;</b> controls (")
                    .append(escape(controls.stream().map(AvailabilityWindow::getTarget).distinct().sorted().collect(Collectors.joining(", "))))
                    .append(")</span>");
        }
        svg.append("<span><b style=\"color:").append(THROTTLED_COLOUR).append("\">&#9608;</b> throttled</span></div>\n");
        return svg.toString();
    }

    private static String svgOpen(String cls, int height) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + cls + "\" width=\"" + WIDTH + "\" height=\"" + height
                + "\" viewBox=\"0 0 " + WIDTH + ' ' + height + "\" role=\"img\">\n";
    }

    private static void shade(StringBuilder svg, TimeAxis axis, List<Phase> phases, int height) {
        for (Phase p : phases) {
            double x0 = axis.x(p.from());
            double x1 = Math.max(x0 + 1, axis.x(p.to()));
            String colour = switch (p.kind()) {
                case "blocked" -> BLOCKED_COLOUR;
                case "throttled" -> THROTTLED_COLOUR;
                default -> PARTIAL_COLOUR;
            };
            svg.append(String.format(Locale.ROOT, "<rect class=\"phase-%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                    + "fill=\"%s\" opacity=\"0.18\"/>\n", p.kind(), x0, TOP, x1 - x0, height - TOP - BOTTOM, colour));
        }
    }

    private static void timeLabels(StringBuilder svg, TimeAxis axis, int height) {
        for (int i = 0; i <= 5; i++) {
            Instant t = Instant.ofEpochMilli(axis.start() + axis.span() * i / 5);
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                    axis.x(t), height - BOTTOM + 16, TIME.format(t)));
        }
    }

    private static void markers(StringBuilder svg, TimeAxis axis, List<DisruptionEvent> events, int height, boolean labels) {
        for (DisruptionEvent e : storyEvents(events)) {
            double x = axis.x(e.getAt());
            String colour = isThrottling(e.getType()) ? THROTTLED_COLOUR : BLOCKED_COLOUR;
            svg.append(String.format(Locale.ROOT, "<line class=\"event-marker\" data-type=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
                    + "y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"3,3\"/>", e.getType(), x, x, TOP, height - BOTTOM, colour));
            if (labels) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" transform=\"rotate(-90 %.1f %d)\" "
                        + "text-anchor=\"end\">%s</text>", x - 3, TOP + 2, x - 3, TOP + 2, escape(e.getType().toString())));
            }
            svg.append('\n');
        }
    }

    private static boolean isThrottling(EventType type) {
        return type == EventType.THROTTLING_STARTED || type == EventType.THROTTLING_ENDED;
    }

    private static List<Point> points(List<AvailabilityWindow> windows, Function<AvailabilityWindow, Double> value) {
        return windows.stream().map(w -> new Point(w.getWindowStart(), w.getWindowEnd(), value.apply(w))).toList();
    }

    /**
     * The controls' speed per window: the median over the country's control targets of each one's
     * country-level median, for the windows inside the chart's time range.
     */
    private static List<Point> controlPoints(List<AvailabilityWindow> controls, Instant start, Instant end) {
        TreeMap<Instant, List<AvailabilityWindow>> byStart = new TreeMap<>();
        for (AvailabilityWindow w : controls) {
            if (!w.getWindowStart().isBefore(start) && !w.getWindowEnd().isAfter(end) && w.getMedianThroughputBytesPerSecond() != null) {
                byStart.computeIfAbsent(w.getWindowStart(), s -> new ArrayList<>()).add(w);
            }
        }
        List<Point> out = new ArrayList<>();
        byStart.forEach((s, list) -> {
            List<Double> speeds = list.stream().map(w -> bits(w.getMedianThroughputBytesPerSecond())).sorted().toList();
            int mid = speeds.size() / 2;
            double median = speeds.size() % 2 == 1 ? speeds.get(mid) : (speeds.get(mid - 1) + speeds.get(mid)) / 2;
            out.add(new Point(s, list.get(0).getWindowEnd(), median));
        });
        return out;
    }

    private static String polyline(List<Point> points, TimeAxis axis, DoubleUnaryOperator y, String colour, double width,
                                   String opacity, String dash, String cls, String asn) {
        StringBuilder coords = new StringBuilder();
        StringBuilder out = new StringBuilder();
        for (Point p : points) {
            if (p.value() == null) {
                // A window without data breaks the line rather than drawing a fake value.
                out.append(segment(coords, colour, width, opacity, dash, cls, asn));
                coords.setLength(0);
                continue;
            }
            coords.append(String.format(Locale.ROOT, "%.1f,%.1f ", axis.x(p.mid()), y.applyAsDouble(p.value())));
        }
        out.append(segment(coords, colour, width, opacity, dash, cls, asn));
        return out.toString();
    }

    private static String segment(StringBuilder coords, String colour, double width, String opacity, String dash, String cls,
                                  String asn) {
        if (coords.length() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "<polyline class=\"%s\"%s fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" opacity=\"%s\"%s "
                + "points=\"%s\"/>\n", cls, asn == null ? "" : " data-asn=\"" + escape(asn) + "\"", colour, width, opacity,
                dash == null ? "" : " stroke-dasharray=\"" + dash + "\"", coords.toString().trim());
    }

    private static String eventTable(List<DisruptionEvent> events) {
        boolean speeds = throttled(events) || events.stream().anyMatch(e -> e.getThroughputBytesPerSecond() != null);
        StringBuilder t = new StringBuilder("<table><tr><th>at (UTC)</th><th>event</th><th>network</th><th>availability</th>"
                + "<th>baseline</th>");
        if (speeds) {
            t.append("<th>speed</th><th>expected speed</th><th>throttled on</th>");
        }
        t.append("<th>cause</th><th>methods</th><th>incident</th></tr>\n");
        for (DisruptionEvent e : events) {
            t.append("<tr class=\"event\" data-type=\"").append(e.getType()).append("\"><td>").append(TIME.format(e.getAt()))
                    .append("</td><td>").append(e.getType())
                    .append("</td><td>").append(e.getAsn() == null ? "all" : escape(e.getAsn()))
                    .append("</td><td>").append(percent(e.getAvailability()))
                    .append("</td><td>").append(percent(e.getBaseline()));
            if (speeds) {
                t.append("</td><td class=\"speed\">").append(speed(e.getThroughputBytesPerSecond()))
                        .append("</td><td class=\"expected\">").append(speed(e.getExpectedThroughputBytesPerSecond()))
                        .append("</td><td class=\"throttled-networks\">").append(e.getNetworks().stream()
                                .filter(NetworkStatus::getThrottled)
                                .map(n -> "<span style=\"white-space:nowrap\">" + escape(n.getAsn()
                                        + (n.getThroughputBytesPerSecond() == null ? "" : " (" + speed(n.getThroughputBytesPerSecond()) + ")"))
                                        + "</span>")
                                .collect(Collectors.joining(", ")));
            }
            t.append("</td><td>").append(e.getCause())
                    .append("</td><td>").append(escape(e.getMethods().toString()))
                    .append("</td><td>").append(escape(e.getIncidentId())).append("</td></tr>\n");
        }
        return t.append("</table>\n").toString();
    }

    private static String percent(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.0f%%", value * 100);
    }

    private static Double bits(Double bytesPerSecond) {
        return bytesPerSecond == null ? null : bytesPerSecond * 8;
    }

    /** A speed given in bytes/s, written in bit/s with an SI prefix and three significant digits: "1.23 Mbit/s". */
    static String speed(Double bytesPerSecond) {
        if (bytesPerSecond == null) {
            return "";
        }
        double bits = bytesPerSecond * 8;
        String[] prefixes = {"", "k", "M", "G", "T"};
        int i = 0;
        while (i < prefixes.length - 1 && Math.abs(bits) >= 999.5) {
            bits /= 1000;
            i++;
        }
        String number = Math.abs(bits) >= 99.5 ? String.format(Locale.ROOT, "%.0f", bits)
                : Math.abs(bits) >= 9.95 ? String.format(Locale.ROOT, "%.1f", bits) : String.format(Locale.ROOT, "%.2f", bits);
        return number + " " + prefixes[i] + "bit/s";
    }

    /** A tick value in bit/s as an axis label: 100k, 2M, 1G. */
    private static String compact(double bits) {
        String[] prefixes = {"", "k", "M", "G", "T"};
        int i = 0;
        while (i < prefixes.length - 1 && bits >= 1000) {
            bits /= 1000;
            i++;
        }
        return (bits == Math.rint(bits) ? String.format(Locale.ROOT, "%.0f", bits) : String.format(Locale.ROOT, "%.1f", bits)) + prefixes[i];
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Event time to x, shared by a target's availability and speed charts. */
    private record TimeAxis(long start, long span) {
        double x(Instant t) {
            return LEFT + (WIDTH - LEFT - RIGHT) * (double) (t.toEpochMilli() - start) / span;
        }
    }

    /**
     * A log10 axis for the speed chart, whole decades from below the smallest to above the largest positive
     * value; a non-positive value (not a speed) is drawn at the bottom.
     */
    record LogAxis(int lowDecade, int highDecade) {
        static LogAxis of(List<Double> values) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (Double v : values) {
                if (v != null && v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (max == 0) {
                return new LogAxis(0, 1);
            }
            int low = (int) Math.floor(Math.log10(min));
            int high = (int) Math.ceil(Math.log10(max));
            return new LogAxis(low, Math.max(high, low + 1));
        }

        double y(double bits) {
            double log = bits > 0 ? Math.log10(bits) : lowDecade;
            return TOP + (SPEED_HEIGHT - TOP - BOTTOM) * (highDecade - log) / (highDecade - lowDecade);
        }

        /** 1, 2 and 5 of each decade when the axis spans at most two decades, else the decades. */
        List<Double> ticks() {
            List<Double> out = new ArrayList<>();
            for (int d = lowDecade; d <= highDecade; d++) {
                double decade = Math.pow(10, d);
                out.add(decade);
                if (highDecade - lowDecade <= 2 && d < highDecade) {
                    out.add(2 * decade);
                    out.add(5 * decade);
                }
            }
            return out;
        }
    }
}
