package org.reachwatch.api;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.reachwatch.detector.DetectorTopics;
import org.reachwatch.detector.DetectorTopology;
import org.reachwatch.detector.lifecycle.TrackerState;
import org.reachwatch.schemas.TopicNames;

/**
 * What the API reads from a running detector: its trackers through interactive queries (the
 * {@code disruption-trackers} store, partitioned by country like the detector's input, so one
 * instance holds a country's trackers; another instance forwards the request there, found with
 * {@code queryMetadataForKey} and {@code application.server}), its published output through the
 * {@link OutputReadModel}, and its health.
 */
public final class DetectorBackend implements AutoCloseable {
    /** Header of a request one instance forwards to another: the receiver answers locally or not at all. */
    static final String FORWARDED_HEADER = "X-Reachwatch-Forwarded";
    /** Header naming the instance ({@code host:port}) whose store answered. */
    static final String SERVED_BY_HEADER = "X-Reachwatch-Served-By";

    private final KafkaStreams streams;
    private final DetectorTopics topics;
    private final HostInfo self;
    private final OutputReadModel model;
    private final Supplier<String> registryCheck;
    private final long windowMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private volatile CachedCheck registry;

    /**
     * @param self          this instance's {@code application.server}
     * @param registryCheck null when the schema registry answers, otherwise why not (called at most every 5 s)
     * @param windowMillis  the detector's window size
     */
    public DetectorBackend(KafkaStreams streams, DetectorTopics topics, HostInfo self, OutputReadModel model,
                           Supplier<String> registryCheck, long windowMillis) {
        this.streams = streams;
        this.topics = topics;
        this.self = self;
        this.model = model;
        this.registryCheck = registryCheck;
        this.windowMillis = windowMillis;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public DetectorTopics topics() {
        return topics;
    }

    public OutputReadModel model() {
        return model;
    }

    long windowMillis() {
        return windowMillis;
    }

    String self() {
        return self.host() + ":" + self.port();
    }

    /** Which instance holds {@code country}'s trackers, and in which partition. */
    KeyQueryMetadata owner(String country) {
        KeyQueryMetadata md = streams.queryMetadataForKey(DetectorTopology.TRACKERS_STORE, TopicNames.partitionKey(country),
                new StringSerializer());
        if (md == null || md == KeyQueryMetadata.NOT_AVAILABLE || md.activeHost() == null
                || md.activeHost().equals(HostInfo.unavailable())) {
            throw ApiException.unavailable("the detector is rebalancing: no instance holds " + country + " right now, retry shortly");
        }
        return md;
    }

    boolean isSelf(HostInfo host) {
        return self.equals(host);
    }

    /** The trackers of {@code country} in this instance's store, by store key; the country must be held here. */
    Map<String, TrackerState> localTrackers(String country, int partition) {
        try {
            ReadOnlyKeyValueStore<String, TrackerState> store = streams.store(StoreQueryParameters
                    .fromNameAndType(DetectorTopology.TRACKERS_STORE, QueryableStoreTypes.<String, TrackerState>keyValueStore())
                    .withPartition(partition));
            Map<String, TrackerState> out = new TreeMap<>();
            try (KeyValueIterator<String, TrackerState> it = store.prefixScan(country + "|", new StringSerializer())) {
                while (it.hasNext()) {
                    KeyValue<String, TrackerState> kv = it.next();
                    out.put(kv.key, kv.value);
                }
            }
            return out;
        } catch (InvalidStateStoreException e) {
            throw ApiException.unavailable("the trackers of " + country + " are not queryable right now ("
                    + streams.state() + "), retry shortly");
        }
    }

    /** Every tracker of this instance's active tasks (for metrics). */
    List<TrackerState> allLocalTrackers() {
        ReadOnlyKeyValueStore<String, TrackerState> store = streams.store(StoreQueryParameters
                .fromNameAndType(DetectorTopology.TRACKERS_STORE, QueryableStoreTypes.<String, TrackerState>keyValueStore()));
        List<TrackerState> out = new ArrayList<>();
        try (KeyValueIterator<String, TrackerState> it = store.all()) {
            it.forEachRemaining(kv -> out.add(kv.value));
        }
        return out;
    }

    /** The counters of this instance's active tasks, summed per name. */
    Map<String, Long> localStats() {
        return sumLongs(DetectorTopology.STATS_STORE);
    }

    /** Per active task of this instance: its clock and the start of its last closed window ({@code [clock, lastClosed]}). */
    List<long[]> localClocks() {
        List<long[]> out = new ArrayList<>();
        for (var md : streams.metadataForLocalThreads()) {
            for (var task : md.activeTasks()) {
                for (var tp : task.topicPartitions()) {
                    if (!tp.topic().equals(topics.measurements().name())) {
                        continue;
                    }
                    ReadOnlyKeyValueStore<String, Long> store = streams.store(StoreQueryParameters
                            .fromNameAndType(DetectorTopology.CLOCK_STORE, QueryableStoreTypes.<String, Long>keyValueStore())
                            .withPartition(tp.partition()));
                    Long clock = store.get(DetectorTopology.CLOCK_STREAM_TIME);
                    Long closed = store.get(DetectorTopology.CLOCK_LAST_CLOSED);
                    if (clock != null && closed != null) {
                        out.add(new long[] {clock, closed});
                    }
                }
            }
        }
        return out;
    }

    private Map<String, Long> sumLongs(String storeName) {
        ReadOnlyKeyValueStore<String, Long> store = streams.store(StoreQueryParameters
                .fromNameAndType(storeName, QueryableStoreTypes.<String, Long>keyValueStore()));
        Map<String, Long> out = new TreeMap<>();
        try (KeyValueIterator<String, Long> it = store.all()) {
            it.forEachRemaining(kv -> out.merge(kv.key, kv.value, Long::sum));
        }
        return out;
    }

    /** Forwards a GET to another instance; its status and body are the answer. */
    Forwarded forward(HostInfo host, String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).header(FORWARDED_HEADER, self()).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Forwarded(response.statusCode(), response.body(),
                    response.headers().firstValue(SERVED_BY_HEADER).orElse(host.host() + ":" + host.port()));
        } catch (java.io.IOException e) {
            throw ApiException.unavailable("instance " + host.host() + ":" + host.port() + " holding the data did not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while asking " + host.host() + ":" + host.port());
        }
    }

    /** Another instance's answer. */
    record Forwarded(int status, String body, String servedBy) {
    }

    /** Null when the registry answered (cached for 5 s), otherwise why not. */
    String registryProblem() {
        CachedCheck c = registry;
        long now = System.nanoTime();
        if (c != null && now - c.at() < TimeUnit.SECONDS.toNanos(5)) {
            return c.problem();
        }
        String problem;
        try {
            problem = CompletableFuture.supplyAsync(registryCheck).get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            problem = "no answer within 3 s";
        } catch (java.util.concurrent.ExecutionException e) {
            problem = String.valueOf(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        registry = new CachedCheck(now, problem);
        return problem;
    }

    private record CachedCheck(long at, String problem) {
    }

    /** Instances of this application and the partitions of the detector's input each holds (for /health). */
    List<Map<String, Object>> instances() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (var md : streams.metadataForAllStreamsClients()) {
            Map<String, Object> m = new HashMap<>();
            m.put("server", md.host() + ":" + md.port());
            m.put("partitions", md.topicPartitions().stream().filter(tp -> tp.topic().equals(topics.measurements().name()))
                    .map(tp -> tp.partition()).sorted().toList());
            out.add(m);
        }
        out.sort(Comparator.comparing(m -> (String) m.get("server")));
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
