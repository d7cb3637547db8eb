package org.reachwatch.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import org.reachwatch.detector.DetectorApp;
import org.reachwatch.detector.DetectorTopicConfigs;
import org.reachwatch.detector.DetectorTopics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code reachwatch topics}: creates the topics probes and the detector use, with their retention
 * settings ({@link DetectorTopicConfigs}), then exits; existing topics are left as they are. Run it
 * before probes start on a new cluster (docker compose does), so the first measurements find their
 * topic. The detector creates the same topics at its start too.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Creates reachwatch's topics that are missing (retention per topic from --config topic.* settings), then exits.")
public final class TopicsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Mixin
    DetectorOptions detector;

    @Override
    public Integer call() {
        DetectorOptions.DetectorConfig config = detector.load();
        Cluster c = cluster.resolve(DetectCommand.DEFAULT_BOOTSTRAP_SERVERS, DetectCommand.DEFAULT_REGISTRY_URL);
        DetectorTopics topics = DetectorTopics.defaults(c.registryUrl());
        DetectorApp.createTopics(c.bootstrapServers(), c.kafka(), config.topics(), topics, config.settings());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("topics ready on %s:%n", c.bootstrapServers());
        print(out, topics.measurements().name(), config.topics(), DetectorTopicConfigs.Role.MEASUREMENTS);
        print(out, topics.heartbeats().name(), config.topics(), DetectorTopicConfigs.Role.HEARTBEATS);
        print(out, topics.ticks().name(), config.topics(), DetectorTopicConfigs.Role.TICKS);
        print(out, topics.late().name(), config.topics(), DetectorTopicConfigs.Role.LATE);
        print(out, topics.deadLetter().name(), config.topics(), DetectorTopicConfigs.Role.DEAD_LETTER);
        print(out, topics.windows().name(), config.topics(), DetectorTopicConfigs.Role.WINDOWS);
        print(out, topics.events().name(), config.topics(), DetectorTopicConfigs.Role.EVENTS);
        print(out, topics.incidents().name(), config.topics(), DetectorTopicConfigs.Role.INCIDENTS);
        print(out, topics.verdicts().name(), config.topics(), DetectorTopicConfigs.Role.VERDICTS);
        print(out, topics.serviceOutages().name(), config.topics(), DetectorTopicConfigs.Role.SERVICE_OUTAGES);
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, String name, DetectorTopicConfigs configs, DetectorTopicConfigs.Role role) {
        out.printf("  %-26s %s (when created now)%n", name, configs.configs(role));
    }
}
