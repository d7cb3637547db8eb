package org.reachwatch.detector;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;

/**
 * Every processor node and state store of the detector has a name chosen by us. A name Kafka
 * generates ({@code KSTREAM-FILTER-0000000003}) changes when an operator is inserted before it,
 * and a store or changelog renamed that way loses its state on upgrade.
 */
class DetectorTopologyNamesTest {
    /** Kafka's generated node and store names: a prefix, a kind, a ten-digit counter. */
    private static final Pattern GENERATED = Pattern.compile("^(KSTREAM|KTABLE|KSTORE)-[A-Z-]*\\d{10}.*$");

    @Test
    void everyNodeAndStoreIsOneOfTheNamesDeclaredInDetectorTopology() throws IllegalAccessException {
        Topology topology = DetectorTopology.build(DetectorTopics.defaults("mem://names-test"), DetectorSettings.defaultSettings());

        Set<String> names = namesIn(topology.describe());

        assertThat(names).isNotEmpty().noneMatch(n -> GENERATED.matcher(n).matches());
        assertThat(declaredNames()).containsAll(names);
        assertThat(names).contains(DetectorTopology.DETECTOR, DetectorTopology.MEASUREMENTS_SOURCE,
                DetectorTopology.TRACKERS_STORE, DetectorTopology.SEEN_STORE, DetectorTopology.WINDOWS_STORE);
    }

    @Test
    void theCheckSeesANameKafkaGenerated() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()).withName("named-source"))
                .filter((k, v) -> v != null) // not named: Kafka makes one up
                .to("out", Produced.<String, String>with(Serdes.String(), Serdes.String()).withName("named-sink"));
        builder.stream("in2", Consumed.with(Serdes.String(), Serdes.String()).withName("named-source-2"))
                .mapValues(v -> v, Named.as("named-map"))
                .to("out2", Produced.<String, String>with(Serdes.String(), Serdes.String()).withName("named-sink-2"));

        Set<String> names = namesIn(builder.build().describe());

        assertThat(names.stream().filter(n -> GENERATED.matcher(n).matches()))
                .containsExactly("KSTREAM-FILTER-0000000001");
        assertThat(names).contains("named-source", "named-sink", "named-map");
    }

    /** Names of every node (sources, processors, sinks) and every store the description shows. */
    private static Set<String> namesIn(TopologyDescription description) {
        Set<String> names = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                names.add(node.name());
                if (node instanceof TopologyDescription.Processor p) {
                    names.addAll(p.stores());
                }
            }
        }
        for (TopologyDescription.GlobalStore store : description.globalStores()) {
            names.add(store.source().name());
            names.add(store.processor().name());
            names.addAll(store.processor().stores());
        }
        return names;
    }

    /** The values of DetectorTopology's public String constants: the names it declares. */
    private static Set<String> declaredNames() throws IllegalAccessException {
        Set<String> declared = new TreeSet<>();
        for (Field f : DetectorTopology.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                declared.add((String) f.get(null));
            }
        }
        return declared;
    }
}
