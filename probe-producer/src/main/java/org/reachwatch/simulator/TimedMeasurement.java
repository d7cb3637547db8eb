package org.reachwatch.simulator;

import java.time.Instant;

import org.reachwatch.avro.ProbeMeasurement;

/** A simulated measurement and the moment it reaches the collector (its arrival, not its start time). */
public record TimedMeasurement(Instant arrival, ProbeMeasurement measurement) {
}
