package org.reachwatch.detector;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Every tunable of the detector, read from properties (file, environment, flags: the caller merges
 * them) over documented defaults. The caller's {@link Properties} are never modified. An unknown
 * key starting with {@code detector.} or a malformed value is an {@link IllegalArgumentException}
 * naming the key, so a typo in a config file does not silently fall back to a default.
 */
public record DetectorSettings(
        Duration windowSize,
        Duration grace,
        Duration linkingHorizon,
        int minSamples,
        int minProbes,
        int poolMaxWindows,
        double onsetLlr,
        double networkOnsetLlr,
        double onsetMinEffect,
        double normalMargin,
        double partialDepthRatio,
        double reblockDepthRatio,
        int partialWindows,
        int restoreWindows,
        int methodChangeWindows,
        double baselineAlpha,
        double baselinePrior,
        int warmupWindows,
        double coldStartMinShare,
        int serviceOutageCountries,
        double controlFailureShare,
        double volumeCollapseRatio,
        double volumeNormalRatio,
        double volumeLlr,
        int volumeMinBaseline,
        double volumeMinProbes,
        double attributionLlr,
        int attributionMinSamples,
        Duration attributionHorizon,
        Duration maxFutureSkew,
        Instant oldestValidTime,
        int partitions,
        double clockQuantile,
        int clockMinProbes,
        Duration clockHorizon,
        Duration silenceLag,
        double throttleSlowRatio,
        int throttleConfirmWindows,
        int throttleWarmupWindows,
        int outagePartitions) {

    /** Defaults, keyed by property name, in the order DESIGN.md documents them. */
    public static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("detector.window.size", "PT5M");
        d.put("detector.grace", "PT2M");
        d.put("detector.linking.horizon", "PT72H");
        d.put("detector.min.samples", "10");
        d.put("detector.min.probes", "2");
        d.put("detector.pool.max.windows", "144");
        d.put("detector.onset.llr", "10");
        d.put("detector.network.onset.llr", "20");
        d.put("detector.onset.min.effect", "0.15");
        d.put("detector.normal.margin", "0.08");
        d.put("detector.partial.depth.ratio", "0.6");
        d.put("detector.reblock.depth.ratio", "0.8");
        d.put("detector.partial.windows", "2");
        d.put("detector.restore.windows", "3");
        d.put("detector.method.change.windows", "2");
        d.put("detector.baseline.alpha", "0.05");
        d.put("detector.baseline.prior", "0.05");
        d.put("detector.warmup.windows", "3");
        d.put("detector.coldstart.min.share", "0.5");
        d.put("detector.service.outage.countries", "3");
        d.put("detector.control.failure.share", "0.5");
        d.put("detector.volume.collapse.ratio", "0.25");
        d.put("detector.volume.normal.ratio", "0.5");
        d.put("detector.volume.llr", "8");
        d.put("detector.volume.min.baseline", "15");
        d.put("detector.volume.min.probes", "5");
        d.put("detector.attribution.llr", "5");
        d.put("detector.attribution.min.samples", "2");
        d.put("detector.attribution.horizon", "PT48H");
        d.put("detector.max.future.skew", "PT15M");
        d.put("detector.oldest.valid.time", "2012-01-01T00:00:00Z");
        d.put("detector.partitions", "6");
        d.put("detector.clock.quantile", "0.75");
        d.put("detector.clock.min.probes", "2");
        d.put("detector.clock.horizon", "PT1H");
        d.put("detector.silence.lag", "PT15M");
        d.put("detector.outage.partitions", "1");
        d.put("detector.throttle.slow.ratio", "0.35");
        d.put("detector.throttle.confirm.windows", "2");
        d.put("detector.throttle.warmup.windows", "12");
        return java.util.Collections.unmodifiableMap(d);
    }

    /** Settings that existed once, with what replaced them: a config naming one is told, not ignored. */
    static final Map<String, String> RETIRED = Map.of("detector.dedupe.horizon",
            "a measurement id is recognised as a duplicate while its window is open, and a copy arriving after"
                    + " the window closed is late (probe.measurements.late); remove the line");

    public static DetectorSettings defaultSettings() {
        return from(new Properties());
    }

    public static DetectorSettings from(Properties overrides) {
        Properties p = new Properties();
        DEFAULTS.forEach(p::setProperty);
        for (String key : overrides.stringPropertyNames()) {
            if (RETIRED.containsKey(key)) {
                throw new IllegalArgumentException(key + " is no longer a setting: " + RETIRED.get(key));
            }
            if (key.startsWith("detector.") && !DEFAULTS.containsKey(key)) {
                throw new IllegalArgumentException("unknown detector setting " + key + " (known: " + DEFAULTS.keySet() + ")");
            }
            p.setProperty(key, overrides.getProperty(key));
        }
        if (integer(p, "detector.service.outage.countries") < 2) {
            throw new IllegalArgumentException("detector.service.outage.countries must be at least 2 (a target failing in that "
                    + "many countries at once is the service being down), got " + p.getProperty("detector.service.outage.countries"));
        }
        return new DetectorSettings(
                duration(p, "detector.window.size"), duration(p, "detector.grace"), duration(p, "detector.linking.horizon"),
                integer(p, "detector.min.samples"), integer(p, "detector.min.probes"),
                integer(p, "detector.pool.max.windows"), decimal(p, "detector.onset.llr"),
                decimal(p, "detector.network.onset.llr"), decimal(p, "detector.onset.min.effect"),
                decimal(p, "detector.normal.margin"), decimal(p, "detector.partial.depth.ratio"),
                decimal(p, "detector.reblock.depth.ratio"), integer(p, "detector.partial.windows"),
                integer(p, "detector.restore.windows"), integer(p, "detector.method.change.windows"),
                decimal(p, "detector.baseline.alpha"), decimal(p, "detector.baseline.prior"),
                integer(p, "detector.warmup.windows"), decimal(p, "detector.coldstart.min.share"),
                integer(p, "detector.service.outage.countries"), decimal(p, "detector.control.failure.share"),
                decimal(p, "detector.volume.collapse.ratio"), decimal(p, "detector.volume.normal.ratio"),
                decimal(p, "detector.volume.llr"), integer(p, "detector.volume.min.baseline"),
                decimal(p, "detector.volume.min.probes"),
                decimal(p, "detector.attribution.llr"), integer(p, "detector.attribution.min.samples"),
                duration(p, "detector.attribution.horizon"),
                duration(p, "detector.max.future.skew"), instant(p, "detector.oldest.valid.time"),
                integer(p, "detector.partitions"), decimal(p, "detector.clock.quantile"),
                integer(p, "detector.clock.min.probes"), duration(p, "detector.clock.horizon"),
                duration(p, "detector.silence.lag"), decimal(p, "detector.throttle.slow.ratio"),
                integer(p, "detector.throttle.confirm.windows"), integer(p, "detector.throttle.warmup.windows"),
                positive(p, "detector.outage.partitions"));
    }

    public long windowMillis() {
        return windowSize.toMillis();
    }

    private static Duration duration(Properties p, String key) {
        try {
            Duration d = Duration.parse(p.getProperty(key).trim());
            if (d.isNegative() || d.isZero() && !key.equals("detector.grace")) {
                throw new IllegalArgumentException(key + " must be positive, got " + d);
            }
            return d;
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 duration like PT5M, got " + p.getProperty(key));
        }
    }

    private static int integer(Properties p, String key) {
        try {
            return Integer.parseInt(p.getProperty(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got " + p.getProperty(key));
        }
    }

    private static int positive(Properties p, String key) {
        int v = integer(p, key);
        if (v < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, got " + v);
        }
        return v;
    }

    private static double decimal(Properties p, String key) {
        try {
            return Double.parseDouble(p.getProperty(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got " + p.getProperty(key));
        }
    }

    private static Instant instant(Properties p, String key) {
        try {
            return Instant.parse(p.getProperty(key).trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(key + " must be an ISO-8601 instant, got " + p.getProperty(key));
        }
    }
}
