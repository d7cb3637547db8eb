package org.reachwatch.detector;

import java.util.Map;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing: it calls the detector back when Kafka Streams flushes its
 * caches, which it does right before every commit (and before a clean close), so the detector can
 * write the state it keeps in the heap to its own logged stores inside the transaction that commits
 * the input offsets. That is what lets the hot path run on plain Java maps with no store call per
 * record and still be exactly-once: a crash loses the heap, and the stores hold exactly what the
 * committed offsets say was processed.
 *
 * <p>Where it fails: it relies on Kafka Streams flushing every {@link CachedStateStore} before a
 * commit ({@code ProcessorStateManager.flushCache}, called from {@code StreamTask.flush}); that
 * interface is internal. {@code CrashEquivalenceIT} (events after three {@code kill -9}s equal an
 * uncrashed run's) would fail if a Kafka upgrade stopped calling it. When Streams drops a task's
 * uncommitted state ({@link #clearCache}), the detector drops its heap too and reloads it from the
 * stores.
 */
final class CommitHookStore implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private volatile boolean open;
    private Runnable beforeCommit = () -> { };
    private Runnable onClear = () -> { };

    CommitHookStore(String name) {
        this.name = name;
    }

    /** What to run before each commit, and when the task's uncommitted state is thrown away. */
    void listen(Runnable beforeCommit, Runnable onClear) {
        this.beforeCommit = beforeCommit;
        this.onClear = onClear;
    }

    @Override
    public void flushCache() {
        beforeCommit.run();
    }

    @Override
    public void clearCache() {
        onClear.run();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> { });
        open = true;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Its builder: nothing to log, nothing to cache. */
    static StoreBuilder<CommitHookStore> builder(String name) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<CommitHookStore> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHookStore> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHookStore> withLoggingEnabled(Map<String, String> config) {
                return this;
            }

            @Override
            public StoreBuilder<CommitHookStore> withLoggingDisabled() {
                return this;
            }

            @Override
            public CommitHookStore build() {
                return new CommitHookStore(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
