package org.reachwatch.detector;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.reachwatch.avro.ProbeMeasurement;

/**
 * The windows a detector task has open, held in the heap as plain objects (no store call, no
 * encoding per measurement), with window-scoped dedupe: a measurement id matters only while its
 * window is open, since a copy that arrives after the window closed is late anyway.
 *
 * <p>Persistence is write-back: {@link #persist} (called before every commit, see
 * {@link CommitHookStore}) writes the accumulators changed since the last commit, in a compact binary
 * form, and the ids seen since then, as one chunk of 64-bit hashes per window; closing a window
 * deletes its entries. {@link #load} rebuilds the heap from the stores after a restart or restore.
 * The stores therefore always hold exactly what the committed input offsets say was counted.
 */
final class OpenWindows {
    /** One accumulator's identity: window start, country, network (null = country level), target. */
    record Key(long start, String country, String asn, String target) {
        String storeKey() {
            return padded(start, 13) + '|' + country + '|' + (asn == null ? "" : asn) + '|' + target;
        }
    }

    private final KeyValueStore<String, byte[]> accumulators;
    private final KeyValueStore<String, byte[]> ids;
    private final long window;
    private final Map<Long, Map<Key, WindowAccumulator>> open = new HashMap<>();
    private final Map<Long, Set<Long>> seen = new HashMap<>();
    private final Map<Long, List<Long>> unsavedIds = new HashMap<>();
    private final Map<Long, Integer> idChunks = new HashMap<>();
    /** Accumulators changed since the last persist (each once: see {@link WindowAccumulator#dirty}). */
    private final List<WindowAccumulator> dirty = new ArrayList<>();
    /** The window the last measurement went to: consecutive measurements mostly share it. */
    private long lastStart = Long.MIN_VALUE;
    private Map<Key, WindowAccumulator> lastWindow;

    OpenWindows(KeyValueStore<String, byte[]> accumulators, KeyValueStore<String, byte[]> ids, long window) {
        this.accumulators = accumulators;
        this.ids = ids;
        this.window = window;
    }

    /** Drops the heap and reads it back from the stores. */
    void load() {
        clear();
        try (KeyValueIterator<String, byte[]> it = accumulators.all()) {
            while (it.hasNext()) {
                WindowAccumulator acc = WindowAccumulator.decode(it.next().value);
                acc.stored = true;
                open.computeIfAbsent(acc.windowStart, k -> new HashMap<>())
                        .put(new Key(acc.windowStart, acc.country, acc.asn, acc.target), acc);
            }
        }
        try (KeyValueIterator<String, byte[]> it = ids.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                long start = Long.parseLong(kv.key.substring(0, kv.key.indexOf('#')));
                Set<Long> set = seen.computeIfAbsent(start, k -> new HashSet<>());
                ByteBuffer buffer = ByteBuffer.wrap(kv.value);
                while (buffer.remaining() >= Long.BYTES) {
                    set.add(buffer.getLong());
                }
                idChunks.merge(start, 1, Integer::sum);
            }
        }
    }

    /** Forgets everything not yet persisted (Streams threw the uncommitted state away). */
    void clear() {
        open.clear();
        seen.clear();
        unsavedIds.clear();
        idChunks.clear();
        dirty.clear();
        lastStart = Long.MIN_VALUE;
        lastWindow = null;
    }

    /** Whether this is the first time {@code measurementId} shows up in the window starting at {@code start}. */
    boolean firstSighting(long start, String measurementId) {
        long hash = hash64(measurementId);
        if (!seen.computeIfAbsent(start, k -> new HashSet<>()).add(hash)) {
            return false;
        }
        unsavedIds.computeIfAbsent(start, k -> new ArrayList<>()).add(hash);
        return true;
    }

    /** Counts {@code m} into its window's accumulator for (country, asn, target). */
    void add(long start, String country, String asn, String target, ProbeMeasurement m) {
        if (start != lastStart || lastWindow == null) {
            lastWindow = open.computeIfAbsent(start, k -> new HashMap<>());
            lastStart = start;
        }
        Key key = new Key(start, country, asn, target);
        WindowAccumulator acc = lastWindow.get(key);
        if (acc == null) {
            acc = new WindowAccumulator(country, asn, target, m.getControl(), start, start + window);
            lastWindow.put(key, acc);
        }
        acc.add(m);
        if (!acc.dirty) {
            acc.dirty = true;
            dirty.add(acc);
        }
    }

    /**
     * Removes the window starting at {@code start} and returns its accumulators; what of it was stored is
     * deleted (a window opened and closed between two commits was never stored and costs no delete).
     */
    List<WindowAccumulator> close(long start) {
        Map<Key, WindowAccumulator> closed = open.remove(start);
        if (start == lastStart) {
            lastWindow = null;
        }
        List<WindowAccumulator> out = new ArrayList<>();
        if (closed != null) {
            for (Map.Entry<Key, WindowAccumulator> e : closed.entrySet()) {
                WindowAccumulator acc = e.getValue();
                out.add(acc);
                acc.closed = true;
                if (acc.stored) {
                    accumulators.delete(e.getKey().storeKey());
                }
            }
        }
        seen.remove(start);
        unsavedIds.remove(start);
        Integer chunks = idChunks.remove(start);
        for (int i = 0; chunks != null && i < chunks; i++) {
            ids.delete(chunkKey(start, i));
        }
        return out;
    }

    /** Writes what changed since the last call: changed accumulators and the ids seen since. */
    void persist() {
        for (WindowAccumulator acc : dirty) {
            acc.dirty = false;
            if (!acc.closed) {
                accumulators.put(new Key(acc.windowStart, acc.country, acc.asn, acc.target).storeKey(), acc.encode());
                acc.stored = true;
            }
        }
        dirty.clear();
        unsavedIds.forEach((start, hashes) -> {
            ByteBuffer buffer = ByteBuffer.allocate(hashes.size() * Long.BYTES);
            hashes.forEach(buffer::putLong);
            int chunk = idChunks.merge(start, 1, Integer::sum) - 1;
            ids.put(chunkKey(start, chunk), buffer.array());
        });
        unsavedIds.clear();
    }

    /** Open accumulators, for tests and gauges. */
    int size() {
        return open.values().stream().mapToInt(Map::size).sum();
    }

    private static String chunkKey(long start, int chunk) {
        return padded(start, 13) + '#' + padded(chunk, 6);
    }

    /**
     * {@code String.format("%0<width>d", v)} without a Formatter (it is called for every accumulator
     * persisted and deleted; the stored keys stay byte for byte what they were).
     */
    static String padded(long v, int width) {
        if (v < 0) {
            return String.format("%0" + width + "d", v);
        }
        String digits = Long.toString(v);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    /**
     * 64-bit FNV-1a of the id's characters: ids are compared by hash, and two of the hundred thousand
     * ids of a busy window colliding has a probability below 10^-9.
     */
    static long hash64(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
