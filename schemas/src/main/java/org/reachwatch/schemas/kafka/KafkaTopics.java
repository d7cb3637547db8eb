package org.reachwatch.schemas.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creating the topics reachwatch needs, the one way every module does it. */
public final class KafkaTopics {
    private KafkaTopics() {
    }

    /**
     * Creates each topic that does not exist yet, with its partitions, replicas and configs; one that
     * exists is left exactly as it is (its settings are not compared). Topics are created one at a time
     * so that one already there does not hide a real failure of another.
     *
     * @return the names of the topics that already existed
     * @throws IllegalStateException naming the topic when Kafka refuses one, or when it does not answer
     *         within {@code timeout} per topic
     */
    public static Set<String> createMissing(Admin admin, Collection<NewTopic> topics, Duration timeout) {
        Set<String> existing = new LinkedHashSet<>();
        for (NewTopic topic : topics) {
            try {
                admin.createTopics(List.of(topic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
                existing.add(topic.name());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + topic.name(), e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Kafka did not create topic " + topic.name() + " within " + timeout, e);
            }
        }
        return existing;
    }
}
