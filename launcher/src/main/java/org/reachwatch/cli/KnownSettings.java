package org.reachwatch.cli;

import java.util.HashSet;
import java.util.Set;

/** Every environment variable the CLI reads, so an unknown {@code REACHWATCH_*} variable can be reported. */
final class KnownSettings {
    private static final Set<String> VARIABLES = compute();

    private KnownSettings() {
    }

    static Set<String> variables() {
        return VARIABLES;
    }

    private static Set<String> compute() {
        Set<String> names = new HashSet<>();
        KafkaClientSettings.names().forEach(n -> names.add(Environment.variableOf(n)));
        DetectorOptions.names().forEach(n -> names.add(Environment.variableOf(n)));
        ProbeCommand.KEYS.forEach(n -> names.add(Environment.variableOf(n)));
        names.add(ClusterOptions.KAFKA_CONFIG_VARIABLE);
        names.add(DetectorOptions.CONFIG_VARIABLE);
        names.add(ProbeCommand.CONFIG_VARIABLE);
        names.add(WebhookOptions.URL_VARIABLE);
        return Set.copyOf(names);
    }
}
