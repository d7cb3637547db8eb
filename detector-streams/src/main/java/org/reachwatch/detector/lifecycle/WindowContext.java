package org.reachwatch.detector.lifecycle;

import java.util.Set;

/**
 * What the rest of the world looked like in the same window, for cause, network detail and onset.
 *
 * @param networkOutage   the region's controls fail too, or its measurement volume collapsed
 * @param serviceOutage   the target fails in many countries at once, or mostly as "site down"
 * @param blockedNetworks networks (ASNs) that block the target now ({@link NetworkAttribution})
 * @param normalNetworks  networks whose recent evidence is decisively normal in this window
 * @param stillBlocking   a blocking network's own measurements in this window still fail: the
 *                        country is not back to baseline, whatever its overall share says
 * @param suppressOnset   a region-wide outage explains this target's failures: start nothing
 * @param networkOnset    start of a block that one network's own tracker has just confirmed (a block
 *                        confined to some networks, too small to move the country's share), or null
 */
public record WindowContext(boolean networkOutage, boolean serviceOutage, Set<String> blockedNetworks,
                            Set<String> normalNetworks, boolean stillBlocking, boolean suppressOnset, Long networkOnset) {
    public static final WindowContext QUIET = new WindowContext(false, false, Set.of(), Set.of(), false, false, null);

    public WindowContext(boolean networkOutage, boolean serviceOutage, Set<String> blockedNetworks,
                         Set<String> normalNetworks, boolean suppressOnset) {
        this(networkOutage, serviceOutage, blockedNetworks, normalNetworks, false, suppressOnset, null);
    }
}
