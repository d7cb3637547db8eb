package org.reachwatch.detector.lifecycle;

import java.util.Objects;

/**
 * What one tracker follows: a target (or, with target {@link #REGION}, a region's connectivity) in a
 * country, or in one network (ASN) of it. Typed so that judging never splits string keys apart; the
 * state store key is {@link #storeKey()}.
 */
public record TrackerKey(String country, String asn, String target) implements Comparable<TrackerKey> {
    /** The target of a region tracker: the region's connectivity as a whole. */
    public static final String REGION = "*";

    public TrackerKey {
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(target, "target");
        asn = asn == null || asn.isBlank() ? null : asn;
    }

    public static TrackerKey target(String country, String asn, String target) {
        return new TrackerKey(country, asn, target);
    }

    public static TrackerKey region(String country, String asn) {
        return new TrackerKey(country, asn, REGION);
    }

    public static TrackerKey of(TrackerState st) {
        return new TrackerKey(st.country, st.asn, st.target);
    }

    public boolean isRegion() {
        return REGION.equals(target);
    }

    public boolean isNetwork() {
        return asn != null;
    }

    /** The same target (or region) at country level. */
    public TrackerKey countryLevel() {
        return asn == null ? this : new TrackerKey(country, null, target);
    }

    /** The connectivity tracker of this key's region (country, or country + network). */
    public TrackerKey regionKey() {
        return isRegion() ? this : new TrackerKey(country, asn, REGION);
    }

    /** {@code country|asn|target}, asn empty at country level: the key in the trackers store. */
    public String storeKey() {
        return country + "|" + (asn == null ? "" : asn) + "|" + target;
    }

    @Override
    public int compareTo(TrackerKey o) {
        int c = country.compareTo(o.country);
        if (c != 0) {
            return c;
        }
        c = target.compareTo(o.target);
        if (c != 0) {
            return c;
        }
        return asn == null ? (o.asn == null ? 0 : -1) : o.asn == null ? 1 : asn.compareTo(o.asn);
    }

    @Override
    public String toString() {
        return storeKey();
    }
}
