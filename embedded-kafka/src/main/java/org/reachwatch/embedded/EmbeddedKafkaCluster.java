package org.reachwatch.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * Several real Kafka brokers in this JVM forming one cluster, with one KRaft controller beside them
 * (controller-only, node id {@value #CONTROLLER_ID}): any broker can be {@linkplain #stop stopped}
 * and restarted while the cluster keeps serving; the controller stays up.
 *
 * <p>Defaults are production-like for durability: every topic and internal topic has one replica
 * per broker ({@code default.replication.factor}), and {@code min.insync.replicas} is one less
 * (2 of 3), so an {@code acks=all} write survives the loss of any one broker without blocking.
 * {@code log.retention.ms=-1} as on {@link EmbeddedKafkaBroker}.
 *
 * <p>Guarantees: {@link #start} returns when every broker answers and sees all the others;
 * {@link #close()} stops the brokers (together), then the controller, and deletes their data.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    /** Node id of the controller; brokers are 1..size. */
    public static final int CONTROLLER_ID = 100;

    private final EmbeddedKafkaBroker controller;
    private final List<EmbeddedKafkaBroker> brokers;
    private final Path root;

    private EmbeddedKafkaCluster(EmbeddedKafkaBroker controller, List<EmbeddedKafkaBroker> brokers, Path root) {
        this.controller = controller;
        this.brokers = brokers;
        this.root = root;
    }

    /** Starts a controller and {@code size} brokers (ids 1..size) in a fresh temporary directory; {@code overrides} apply to every node. */
    public static EmbeddedKafkaCluster start(int size, Map<String, String> overrides) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one broker, got " + size);
        }
        Path root = EmbeddedKafkaBroker.tempDir();
        List<String> format = List.of("-t", Uuid.randomUuid().toString());
        int controllerPort = EmbeddedKafkaBroker.freePort();
        Map<String, String> quorum = Map.of("controller.quorum.voters", CONTROLLER_ID + "@localhost:" + controllerPort);
        String replicas = Integer.toString(size);
        String minInSync = Integer.toString(Math.max(1, size - 1));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("default.replication.factor", replicas);
        settings.put("min.insync.replicas", minInSync);
        settings.put("offsets.topic.replication.factor", replicas);
        settings.put("transaction.state.log.replication.factor", replicas);
        settings.put("transaction.state.log.min.isr", minInSync);
        settings.put("share.coordinator.state.topic.replication.factor", replicas);
        settings.put("share.coordinator.state.topic.min.isr", minInSync);
        settings.putAll(overrides);
        EmbeddedKafkaBroker controller = EmbeddedKafkaBroker.member(new EmbeddedKafkaBroker.Node(CONTROLLER_ID, "controller",
                root.resolve("controller"), false, 0, controllerPort, quorum, format), settings);
        List<EmbeddedKafkaBroker> brokers = new ArrayList<>();
        EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(controller, brokers, root);
        try {
            controller.format();
            for (int id = 1; id <= size; id++) {
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.member(new EmbeddedKafkaBroker.Node(id, "broker",
                        root.resolve("broker-" + id), false, EmbeddedKafkaBroker.freePort(), controllerPort, quorum, format), settings);
                broker.format();
                brokers.add(broker);
            }
            controller.startServer();
            // A broker's start-up waits until it has caught up with the metadata: start them together.
            startAll(brokers);
            for (EmbeddedKafkaBroker broker : brokers) {
                broker.awaitReady(size);
            }
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static void startAll(List<EmbeddedKafkaBroker> members) {
        ExecutorService starters = Executors.newFixedThreadPool(members.size());
        try {
            List<Future<?>> started = new ArrayList<>();
            for (EmbeddedKafkaBroker member : members) {
                started.add(starters.submit(member::startServer));
            }
            for (Future<?> f : started) {
                f.get(EmbeddedKafkaBroker.STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the cluster", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a cluster broker failed to start: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the cluster did not start within " + EmbeddedKafkaBroker.STARTUP_TIMEOUT, e);
        } finally {
            starters.shutdownNow();
        }
    }

    /** Every broker's {@code host:port}, comma-separated. */
    public String bootstrapServers() {
        return brokers.stream().map(EmbeddedKafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    /** Number of brokers. */
    public int size() {
        return brokers.size();
    }

    /** Broker {@code id} (1..size). */
    public EmbeddedKafkaBroker broker(int id) {
        return brokers.get(id - 1);
    }

    /** Stops broker {@code id} (a controlled shutdown: its leaderships move first); data and ports are kept. */
    public void stop(int id) {
        broker(id).stop();
    }

    /** Starts broker {@code id} again after {@link #stop}. */
    public void restart(int id) {
        broker(id).restart();
    }

    /** The id of the broker that leads {@code topic}'s {@code partition} now. */
    public int leaderOf(String topic, int partition) {
        try (Admin admin = Admin.create(adminConfig())) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            Node leader = description.partitions().get(partition).leader();
            if (leader == null) {
                throw new IllegalStateException(topic + "-" + partition + " has no leader");
            }
            return leader.id();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe " + topic + ": " + e, e);
        }
    }

    /** Creates topics (existing ones are left alone) with one replica per node. */
    public void createTopics(List<String> names, int partitions, Map<String, String> configs) {
        EmbeddedKafkaBroker.createTopics(adminConfig(), names, partitions, (short) brokers.size(), configs);
    }

    private Map<String, Object> adminConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    /** Stops the brokers together (the controller moves leaderships while they go), then the controller; deletes the data. */
    @Override
    public void close() {
        ExecutorService stoppers = Executors.newFixedThreadPool(Math.max(1, brokers.size()));
        try {
            List<Future<?>> stopped = new ArrayList<>();
            for (EmbeddedKafkaBroker broker : brokers) {
                stopped.add(stoppers.submit(broker::stop));
            }
            for (Future<?> f : stopped) {
                f.get(2, TimeUnit.MINUTES);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("a cluster broker did not stop cleanly: " + e, e);
        } finally {
            stoppers.shutdownNow();
            controller.stop();
            EmbeddedKafkaBroker.deleteRecursively(root);
        }
    }
}
