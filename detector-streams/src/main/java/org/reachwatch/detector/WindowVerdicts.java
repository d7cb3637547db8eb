package org.reachwatch.detector;

import java.util.List;

import org.reachwatch.detector.lifecycle.ServiceOutageJudge;

/**
 * What one partition of the first stage tells every partition of the second when it closes a window
 * ({@code detector.verdicts}, JSON, internal): its verdicts per country and target, possibly none. A
 * record is sent for every window closed, so that the second stage knows when all partitions are done
 * with a window.
 *
 * @param partition   the first-stage partition (task) that closed the window
 * @param partitions  how many first-stage partitions there are: how many to wait for
 * @param windowStart the window closed
 * @param clock       the latest event time the partition knew of when it closed the window: its own clock, or
 *                    the last tick's if later (a silent partition closes windows silence.lag behind the
 *                    ticks, and the second stage waits for it)
 */
record WindowVerdicts(int partition, int partitions, long windowStart, long clock,
                     List<ServiceOutageJudge.CountryVerdict> verdicts) {
}
