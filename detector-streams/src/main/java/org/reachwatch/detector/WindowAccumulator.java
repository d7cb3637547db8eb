package org.reachwatch.detector;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.reachwatch.avro.AvailabilityWindow;
import org.reachwatch.avro.MeasurementOutcome;
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
    public Set<String> probes = new HashSet<>();
    public List<Double> latencies = new ArrayList<>();
    public List<Double> throughputs = new ArrayList<>();
    /** Bookkeeping of {@link OpenWindows}, not state: changed since the last persist, in the store, closed. */
    transient boolean dirty;
    transient boolean stored;
    transient boolean closed;

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
        if (m.getThroughputBytesPerSecond() != null && m.getOutcome() == MeasurementOutcome.REACHABLE
                && throughputs.size() < SAMPLE_CAP) {
            throughputs.add(m.getThroughputBytesPerSecond());
        }
    }

    WindowObservation observation() {
        return new WindowObservation(windowStart, windowEnd, reachable, unreachable, siteDown, inconclusive,
                Map.copyOf(failuresByMethod), probes.size());
    }

    /** A compact binary form for the state store (versioned by its first byte). */
    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 24 * probes.size() + 8 * (latencies.size() + throughputs.size()));
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(1);
            out.writeUTF(country);
            out.writeUTF(asn == null ? "" : asn);
            out.writeUTF(target);
            out.writeBoolean(control);
            out.writeLong(windowStart);
            out.writeLong(windowEnd);
            out.writeInt(total);
            out.writeInt(reachable);
            out.writeInt(unreachable);
            out.writeInt(siteDown);
            out.writeInt(inconclusive);
            out.writeShort(failuresByMethod.size());
            for (Map.Entry<String, Integer> e : failuresByMethod.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue());
            }
            out.writeInt(probes.size());
            for (String probe : probes) {
                out.writeUTF(probe);
            }
            writeDoubles(out, latencies);
            writeDoubles(out, throughputs);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WindowAccumulator decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int version = in.readByte();
            if (version != 1) {
                throw new IllegalStateException("open window state of unknown version " + version);
            }
            String country = in.readUTF();
            String asn = in.readUTF();
            String target = in.readUTF();
            WindowAccumulator acc = new WindowAccumulator(country, asn.isEmpty() ? null : asn, target, in.readBoolean(),
                    in.readLong(), in.readLong());
            acc.total = in.readInt();
            acc.reachable = in.readInt();
            acc.unreachable = in.readInt();
            acc.siteDown = in.readInt();
            acc.inconclusive = in.readInt();
            for (int i = in.readShort(); i > 0; i--) {
                acc.failuresByMethod.put(in.readUTF(), in.readInt());
            }
            for (int i = in.readInt(); i > 0; i--) {
                acc.probes.add(in.readUTF());
            }
            readDoubles(in, acc.latencies);
            readDoubles(in, acc.throughputs);
            return acc;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt open window state", e);
        }
    }

    private static void writeDoubles(DataOutputStream out, List<Double> values) throws IOException {
        out.writeInt(values.size());
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    private static void readDoubles(DataInputStream in, List<Double> into) throws IOException {
        for (int i = in.readInt(); i > 0; i--) {
            into.add(in.readDouble());
        }
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
