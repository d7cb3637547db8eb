package org.reachwatch.detector.lifecycle;

import java.util.List;

import org.reachwatch.avro.DisruptionCause;
import org.reachwatch.avro.EventType;

/**
 * One step of a disruption's story as the state machine decided it. {@code at} is the start of the
 * first window that showed the change (epoch ms). Throttling steps carry the median speed of that
 * window and the speed expected in it (bytes per second); other steps carry nulls.
 */
public record LifecycleEvent(EventType type, String incidentId, long at, Double availability, double baseline,
                             DisruptionCause cause, List<String> methods, int measurements, int probes,
                             double confidence, Double throughput, Double expectedThroughput) {

    /** A step of the availability story (no speeds). */
    public LifecycleEvent(EventType type, String incidentId, long at, Double availability, double baseline,
                          DisruptionCause cause, List<String> methods, int measurements, int probes, double confidence) {
        this(type, incidentId, at, availability, baseline, cause, methods, measurements, probes, confidence, null, null);
    }
}
