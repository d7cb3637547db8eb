package org.reachwatch.detector.lifecycle;

import java.util.Set;

/**
 * What the rest of the world looked like in the same window, for cause and network detail.
 *
 * @param networkOutage   the region's controls fail too, or its measurement volume collapsed
 * @param serviceOutage   the target fails in many countries at once, or mostly as "site down"
 * @param blockedNetworks networks (ASNs) whose own observation is BLOCKED in this window
 * @param normalNetworks  networks whose own observation is NORMAL in this window
 * @param suppressOnset   a region-wide outage incident is open: it explains this target's failures
 */
public record WindowContext(boolean networkOutage, boolean serviceOutage, Set<String> blockedNetworks,
                            Set<String> normalNetworks, boolean suppressOnset) {
    public static final WindowContext QUIET = new WindowContext(false, false, Set.of(), Set.of(), false);
}
