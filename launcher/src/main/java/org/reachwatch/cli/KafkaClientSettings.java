package org.reachwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.reachwatch.schemas.registry.RegistryClientConfig;

/**
 * The Kafka client configuration of a command: standard Kafka client settings
 * ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}, tuning) and Confluent's registry client
 * settings ({@code schema.registry.url}, {@code basic.auth.*}, {@code schema.registry.ssl.*}), read
 * from a properties file ({@code --kafka-config}) and from the environment
 * ({@code REACHWATCH_SECURITY_PROTOCOL}, ...; the environment wins per setting).
 *
 * <p>Checked when loaded, so nothing is silently dropped: an unknown name (with the nearest known
 * one suggested), a value Kafka would reject, a setting reachwatch fixes for its guarantees
 * (serializers, exactly-once, acks, ...), and settings that contradict each other (TLS settings
 * without a TLS protocol, a SASL login without a SASL protocol, a JAAS login module that does not
 * match {@code sasl.mechanism}) are {@link IllegalArgumentException}s naming the setting. Secret
 * values never appear in messages or in {@link #describe()}.
 */
final class KafkaClientSettings {
    /** Every Kafka client setting name (producer, consumer, admin, Streams). */
    static final Set<String> KAFKA_NAMES = kafkaNames();
    /** Settings reachwatch decides; the value given is the only one accepted, or none when null. */
    private static final Map<String, List<String>> FIXED = fixed();
    private static final Map<String, String> FIXED_REASONS = Map.ofEntries(
            Map.entry("key.serializer", "reachwatch chooses its serializers (Avro over the registry)"),
            Map.entry("value.serializer", "reachwatch chooses its serializers (Avro over the registry)"),
            Map.entry("key.deserializer", "reachwatch chooses its deserializers"),
            Map.entry("value.deserializer", "reachwatch chooses its deserializers"),
            Map.entry("default.key.serde", "the topology sets its own serdes"),
            Map.entry("default.value.serde", "the topology sets its own serdes"),
            Map.entry("application.id", "use --application-id"),
            Map.entry("state.dir", "use --state-dir"),
            Map.entry("group.id", "the detector's consumer group is its --application-id; other readers use none"),
            Map.entry("processing.guarantee", "the detector runs exactly-once (exactly_once_v2)"),
            Map.entry("acks", "measurements are sent with acks=all (no loss)"),
            Map.entry("enable.idempotence", "measurements are sent idempotently (no reordering or duplicates from retries)"),
            Map.entry("isolation.level", "readers see committed records only (read_committed)"),
            Map.entry("enable.auto.commit", "offsets are committed by reachwatch, not automatically"));

    private final Map<String, String> kafka;
    private final Map<String, String> registry;
    private final String origin;

    private KafkaClientSettings(Map<String, String> kafka, Map<String, String> registry, String origin) {
        this.kafka = Map.copyOf(kafka);
        this.registry = Map.copyOf(registry);
        this.origin = origin;
    }

    /** No settings: a plaintext cluster. */
    static KafkaClientSettings none() {
        return new KafkaClientSettings(Map.of(), Map.of(), "defaults");
    }

    /** Reads {@code file} (null: none) and the environment, the environment winning per setting, and checks the result. */
    static KafkaClientSettings load(Path file, Environment env) {
        Map<String, String> settings = new TreeMap<>();
        String origin = file == null ? "the environment" : file + " and the environment";
        if (file != null) {
            Properties p = new Properties();
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new IllegalArgumentException("cannot read the Kafka client configuration " + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot read the Kafka client configuration " + file + ": " + e.getMessage(), e);
            }
            p.stringPropertyNames().forEach(k -> settings.put(k.trim(), p.getProperty(k).trim()));
        }
        for (String name : names()) {
            String value = env.get(Environment.variableOf(name));
            if (value != null) {
                settings.put(name, value);
            }
        }
        settings.forEach((k, v) -> {
            if (isSecret(k)) {
                Secrets.remember(v);
            }
        });
        return check(settings, origin);
    }

    /** The names this class reads (the environment variables are derived from them). */
    static Set<String> names() {
        Set<String> all = new HashSet<>(KAFKA_NAMES);
        all.addAll(RegistryClientConfig.NAMES);
        return all;
    }

    private static KafkaClientSettings check(Map<String, String> settings, String origin) {
        Map<String, String> kafka = new TreeMap<>();
        Map<String, String> registry = new TreeMap<>();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            if (RegistryClientConfig.NAMES.contains(key)) {
                registry.put(key, e.getValue());
            } else if (KAFKA_NAMES.contains(key)) {
                kafka.put(key, e.getValue());
            } else {
                throw new IllegalArgumentException("unknown Kafka client setting '" + key + "' in " + origin + suggestion(key));
            }
        }
        for (Map.Entry<String, String> e : kafka.entrySet()) {
            List<String> allowed = FIXED.get(e.getKey());
            if (allowed != null && !allowed.contains(e.getValue().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("'" + e.getKey() + "' cannot be set in " + origin + ": "
                        + FIXED_REASONS.get(e.getKey()));
            }
        }
        checkValues(kafka, origin);
        checkSecurity(kafka, origin);
        return new KafkaClientSettings(kafka, registry, origin);
    }

    /** Lets Kafka's own definitions parse and validate every value, so a typo fails here and not deep inside a client. */
    private static void checkValues(Map<String, String> kafka, String origin) {
        for (ConfigDef def : List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef(),
                StreamsConfig.configDef())) {
            for (Map.Entry<String, String> e : kafka.entrySet()) {
                ConfigDef.ConfigKey key = def.configKeys().get(e.getKey());
                if (key == null) {
                    continue;
                }
                try {
                    Object parsed = ConfigDef.parseType(key.name, e.getValue(), key.type);
                    if (key.validator != null) {
                        key.validator.ensureValid(key.name, parsed);
                    }
                } catch (ConfigException ex) {
                    throw new IllegalArgumentException("invalid Kafka client setting in " + origin + ": "
                            + (isSecret(key.name) ? "the value of " + key.name + " is not valid" : Secrets.scrub(ex.getMessage())), ex);
                }
            }
        }
    }

    private static void checkSecurity(Map<String, String> kafka, String origin) {
        String protocol = kafka.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT").toUpperCase(Locale.ROOT);
        boolean tls = protocol.equals("SSL") || protocol.equals("SASL_SSL");
        boolean sasl = protocol.startsWith("SASL_");
        Set<String> ssl = kafka.keySet().stream().filter(k -> k.startsWith("ssl.")).collect(Collectors.toCollection(TreeSet::new));
        if (!tls && !ssl.isEmpty()) {
            throw new IllegalArgumentException(ssl + " set in " + origin + " but security.protocol=" + protocol
                    + " does not use TLS (SSL or SASL_SSL)");
        }
        Set<String> saslKeys = kafka.keySet().stream().filter(k -> k.startsWith("sasl.")).collect(Collectors.toCollection(TreeSet::new));
        if (!sasl && !saslKeys.isEmpty()) {
            throw new IllegalArgumentException(saslKeys + " set in " + origin + " but security.protocol=" + protocol
                    + " does not use SASL (SASL_PLAINTEXT or SASL_SSL)");
        }
        if (!sasl) {
            return;
        }
        String mechanism = kafka.getOrDefault("sasl.mechanism", "GSSAPI").toUpperCase(Locale.ROOT);
        String jaas = kafka.get("sasl.jaas.config");
        if (jaas == null) {
            if (System.getProperty("java.security.auth.login.config") == null) {
                throw new IllegalArgumentException("security.protocol=" + protocol + " needs sasl.jaas.config (the login) in " + origin);
            }
            return;
        }
        String module = jaas.trim().split("\\s+")[0];
        String expected = module.endsWith("ScramLoginModule") ? "SCRAM-SHA-256 or SCRAM-SHA-512"
                : module.endsWith("PlainLoginModule") ? "PLAIN"
                : module.endsWith("OAuthBearerLoginModule") ? "OAUTHBEARER"
                : module.endsWith("Krb5LoginModule") ? "GSSAPI" : null;
        if (expected != null && !expected.contains(mechanism)) {
            throw new IllegalArgumentException("sasl.mechanism=" + mechanism + " does not match the login module "
                    + module.substring(module.lastIndexOf('.') + 1) + " in sasl.jaas.config (expected " + expected + ") in " + origin);
        }
    }

    /** Kafka's password-typed settings, the registry's secrets, and anything named like a password. */
    static boolean isSecret(String key) {
        ConfigDef.ConfigKey k = ProducerConfig.configDef().configKeys().get(key);
        if (k == null) {
            k = StreamsConfig.configDef().configKeys().get(key);
        }
        return (k != null && k.type == ConfigDef.Type.PASSWORD) || RegistryClientConfig.SECRETS.contains(key)
                || key.contains("password") || key.contains("jaas") || key.contains("secret");
    }

    /** The Kafka client settings (no {@code bootstrap.servers}): for every producer, consumer, admin and Streams client. */
    Map<String, Object> kafka() {
        Map<String, Object> out = new HashMap<>(kafka);
        out.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return out;
    }

    /** {@code bootstrap.servers} from the file or environment, or null. */
    String bootstrapServers() {
        return kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /** {@code schema.registry.url} from the file or environment, or null. */
    String registryUrl() {
        return registry.get(RegistryClientConfig.URL);
    }

    /** Whether any Kafka setting besides {@code bootstrap.servers} was given. */
    boolean hasKafkaSettings() {
        return !kafka().isEmpty();
    }

    /** Whether any registry client setting besides the URL was given. */
    boolean hasRegistrySettings() {
        return registry.keySet().stream().anyMatch(k -> !k.equals(RegistryClientConfig.URL));
    }

    /** The registry client settings for {@code url}, checked ({@link RegistryClientConfig}). */
    Map<String, Object> registry(String url) {
        Map<String, Object> out = new HashMap<>(registry);
        out.put(RegistryClientConfig.URL, url);
        if (kafka.containsKey("sasl.jaas.config")) {
            out.put("sasl.jaas.config", kafka.get("sasl.jaas.config"));
        }
        try {
            RegistryClientConfig.from(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schema registry client settings in " + origin + ": " + Secrets.scrub(e.getMessage()), e);
        }
        return out;
    }

    /** The settings with secret values hidden, e.g. for a start-up banner. */
    String describe() {
        Map<String, String> shown = new TreeMap<>();
        kafka.forEach((k, v) -> shown.put(k, isSecret(k) ? Secrets.MASK : v));
        registry.forEach((k, v) -> shown.put(k, isSecret(k) ? Secrets.MASK : k.equals(RegistryClientConfig.URL)
                ? RegistryClientConfig.mask(v) : v));
        return shown.toString();
    }

    @Override
    public String toString() {
        return "KafkaClientSettings" + describe();
    }

    private static String suggestion(String key) {
        String best = names().stream().min(Comparator.comparingInt(n -> distance(key, n))).orElse(null);
        return best != null && distance(key, best) <= 3 ? " (did you mean " + best + "?)" : "";
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static Set<String> kafkaNames() {
        Set<String> names = new HashSet<>(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        names.addAll(StreamsConfig.configDef().names());
        return Set.copyOf(names);
    }

    private static Map<String, List<String>> fixed() {
        Map<String, List<String>> f = new HashMap<>();
        for (String key : List.of("key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
                "default.key.serde", "default.value.serde", "application.id", "state.dir", "group.id", "enable.auto.commit")) {
            f.put(key, List.of());
        }
        f.put("processing.guarantee", List.of("exactly_once_v2"));
        f.put("acks", List.of("all", "-1"));
        f.put("enable.idempotence", List.of("true"));
        f.put("isolation.level", List.of("read_committed"));
        return Map.copyOf(f);
    }
}
