package org.reachwatch.detector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.Set;

import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.ProbeMeasurement;
import org.reachwatch.detector.lifecycle.WindowObservation;

/**
 * Counts of one open window for one region (country, or country + ASN) and target, kept in a state
 * store until the window closes. Latency and throughput keep at most {@link #SAMPLE_CAP} samples
 * each, so a window's size is bounded whatever the volume.
 */
public final class WindowAccumulator {
    static final int SAMPLE_CAP = 256;

    public String country;
    public String asn;
    public String target;
    public boolean control;
    public long windowStart;
    public long windowEnd;
    public int total;
    public int reachable;
    public int unreachable;
    public int siteDown;
    public int inconclusive;
    public Map<String, Integer> failuresByMethod = new HashMap<>();
    public Set<String> probes = new TreeSet<>();
    public List<Double> latencies = new ArrayList<>();
    public List<Double> throughputs = new ArrayList<>();

    public WindowAccumulator() {
    }

    WindowAccumulator(String country, String asn, String target, boolean control, long windowStart, long windowEnd) {
        this.country = country;
        this.asn = asn;
        this.target = target;
        this.control = control;
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
    }

    void add(ProbeMeasurement m) {
        total++;
        switch (m.getOutcome()) {
            case REACHABLE -> reachable++;
            case UNREACHABLE -> {
                unreachable++;
                failuresByMethod.merge(m.getBlockingMethod().name(), 1, Integer::sum);
            }
            case SITE_DOWN -> siteDown++;
            default -> inconclusive++;
        }
        probes.add(m.getProbeId());
        if (m.getLatencyMs() != null && latencies.size() < SAMPLE_CAP) {
            latencies.add(m.getLatencyMs());
        }
        if (m.getThroughputBytesPerSecond() != null && throughputs.size() < SAMPLE_CAP) {
            throughputs.add(m.getThroughputBytesPerSecond());
        }
    }

    WindowObservation observation() {
        return new WindowObservation(windowStart, windowEnd, reachable, unreachable, siteDown, inconclusive,
                Map.copyOf(failuresByMethod), probes.size());
    }

    AvailabilityWindow toAvro() {
        return AvailabilityWindow.newBuilder()
                .setCountry(country).setAsn(asn).setTarget(target).setControl(control)
                .setWindowStart(java.time.Instant.ofEpochMilli(windowStart))
                .setWindowEnd(java.time.Instant.ofEpochMilli(windowEnd))
                .setTotal(total).setReachable(reachable).setUnreachable(unreachable).setSiteDown(siteDown)
                .setInconclusive(inconclusive).setFailuresByMethod(new HashMap<>(failuresByMethod))
                .setDistinctProbes(probes.size()).setAvailability(observation().availability())
                .setMedianLatencyMs(median(latencies)).setMedianThroughputBytesPerSecond(median(throughputs))
                .build();
    }

    private static Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }
}
