package org.reachwatch.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How the registry server listens, whom it lets in, and how it reaches Kafka. Immutable; build with
 * {@link #builder(String)}, optionally reading a properties file with Confluent Schema Registry's
 * server setting names ({@link Builder#apply}):
 *
 * <ul>
 *   <li>{@code listeners} — one {@code http://host:port} or {@code https://host:port}; default
 *       {@code http://127.0.0.1:8081}: loopback only, so nothing else on the network reaches it
 *       unless told ({@code http://0.0.0.0:8081}).</li>
 *   <li>{@code authentication.method} — {@code NONE} (default) or {@code BASIC};
 *       {@code authentication.realm} (default {@code SchemaRegistry}); {@code authentication.roles}
 *       (roles allowed in, default any). Users come from {@code authentication.users.file}, a file in
 *       the format of Jetty's {@code PropertyFileLoginModule} that Confluent's server reads through
 *       JAAS: {@code user: password[,role...]} per line, the password in clear or {@code MD5:<hex>}.</li>
 *   <li>{@code ssl.keystore.location}, {@code ssl.keystore.password}, {@code ssl.key.password},
 *       {@code ssl.keystore.type} (for https); {@code ssl.truststore.*} and
 *       {@code ssl.client.authentication} ({@code NONE}, {@code REQUESTED}, {@code REQUIRED}) for
 *       client certificates.</li>
 *   <li>{@code kafkastore.bootstrap.servers} and {@code kafkastore.<kafka client setting>}
 *       (e.g. {@code kafkastore.security.protocol}, {@code kafkastore.sasl.jaas.config}): the Kafka
 *       client that keeps the registry's state in {@code _schemas}.</li>
 *   <li>{@code request.max.bytes} (reachwatch's) — the largest request body accepted, default
 *       {@value #DEFAULT_MAX_REQUEST_BYTES}; larger ones get 413 without being read into memory.</li>
 * </ul>
 *
 * <p>Unknown keys, values that do not parse, and settings that contradict each other (a key store
 * for an {@code http://} listener, {@code BASIC} without users) are {@link IllegalArgumentException}s
 * naming the key; secrets never appear in messages or in {@link #toString()}.
 */
public final class RegistryServerConfig {
    public static final int DEFAULT_PORT = 8081;
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
    static final String STORE_PREFIX = "kafkastore.";
    private static final Set<String> SERVER_KEYS = Set.of("listeners", "authentication.method", "authentication.realm",
            "authentication.roles", "authentication.users.file", "ssl.keystore.location", "ssl.keystore.password",
            "ssl.key.password", "ssl.keystore.type", "ssl.truststore.location", "ssl.truststore.password",
            "ssl.truststore.type", "ssl.client.authentication", "request.max.bytes");

    private final String host;
    private final int port;
    private final SSLContext sslContext;
    private final String clientAuthentication;
    private final String realm;
    private final Map<String, User> users;
    private final Set<String> roles;
    private final int maxRequestBytes;
    private final String bootstrapServers;
    private final Map<String, Object> storeClientConfig;

    private RegistryServerConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.sslContext = b.sslContext;
        this.clientAuthentication = b.clientAuthentication;
        this.realm = b.realm;
        this.users = Map.copyOf(b.users);
        this.roles = Set.copyOf(b.roles);
        this.maxRequestBytes = b.maxRequestBytes;
        this.bootstrapServers = b.bootstrapServers;
        this.storeClientConfig = Map.copyOf(b.storeClientConfig);
    }

    /** A user of HTTP basic authentication: the password as given (clear, or {@code MD5:hex}) and its roles. */
    record User(String password, Set<String> roles) {
        boolean accepts(String candidate) {
            if (password.startsWith("MD5:")) {
                try {
                    byte[] digest = MessageDigest.getInstance("MD5").digest(candidate.getBytes(StandardCharsets.UTF_8));
                    return MessageDigest.isEqual(HexFormat.of().formatHex(digest).getBytes(StandardCharsets.UTF_8),
                            password.substring(4).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("no MD5 in this JDK", e);
                }
            }
            return MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "User[roles=" + roles + "]";
        }
    }

    /** Defaults: {@code http://127.0.0.1:8081}, no authentication, state on {@code bootstrapServers} in plaintext. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** Sets settings one by one; {@link #apply} reads them from Confluent-named properties. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private boolean https;
        private SSLContext sslContext;
        private String clientAuthentication = "NONE";
        private String realm = "SchemaRegistry";
        private final Map<String, User> users = new LinkedHashMap<>();
        private final Set<String> roles = new HashSet<>();
        private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private String bootstrapServers;
        private final Map<String, Object> storeClientConfig = new HashMap<>();
        private boolean basic;

        private Builder(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        /** The interface to listen on ({@code 0.0.0.0} for every interface). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The port (0: any free port). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("registry port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Kafka client settings for the registry's own store client (security, timeouts; not bootstrap.servers). */
        public Builder storeClientConfig(Map<String, ?> config) {
            config.forEach((k, v) -> {
                if (!k.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                    storeClientConfig.put(k, v);
                }
            });
            return this;
        }

        /** HTTP basic authentication with these users (name to password, all in the default role). */
        public Builder basicAuth(Map<String, String> users) {
            basic = true;
            users.forEach((name, password) -> this.users.put(name, new User(password, Set.of())));
            return this;
        }

        /** Serve https with this server-side context. */
        public Builder tls(SSLContext context) {
            this.https = true;
            this.sslContext = context;
            return this;
        }

        public Builder maxRequestBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("request.max.bytes must be positive, got " + bytes);
            }
            this.maxRequestBytes = bytes;
            return this;
        }

        /** Reads Confluent-named server settings (see the class comment); unknown keys are errors. */
        public Builder apply(Properties settings, String origin) {
            Set<String> unknown = new TreeSet<>();
            for (String key : settings.stringPropertyNames()) {
                if (!SERVER_KEYS.contains(key) && !key.startsWith(STORE_PREFIX)) {
                    unknown.add(key);
                }
            }
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown registry setting(s) " + unknown + " in " + origin
                        + " (known: " + new TreeSet<>(SERVER_KEYS) + " and kafkastore.<Kafka client setting>)");
            }
            String listeners = settings.getProperty("listeners");
            if (listeners != null) {
                listener(listeners.trim());
            }
            store(settings, origin);
            String method = settings.getProperty("authentication.method", "NONE").trim().toUpperCase(Locale.ROOT);
            switch (method) {
                case "NONE" -> {
                    for (String key : List.of("authentication.realm", "authentication.roles", "authentication.users.file")) {
                        if (settings.getProperty(key) != null) {
                            throw new IllegalArgumentException(key + " is set but authentication.method is NONE (" + origin + ")");
                        }
                    }
                }
                case "BASIC" -> {
                    basic = true;
                    realm = settings.getProperty("authentication.realm", realm).trim();
                    String allowed = settings.getProperty("authentication.roles", "*").trim();
                    if (!allowed.equals("*")) {
                        Arrays.stream(allowed.split(",")).map(String::trim).filter(r -> !r.isEmpty()).forEach(roles::add);
                    }
                    String file = settings.getProperty("authentication.users.file");
                    if (file == null) {
                        throw new IllegalArgumentException("authentication.method=BASIC needs authentication.users.file (" + origin + ")");
                    }
                    users.putAll(readUsers(Path.of(file.trim())));
                }
                default -> throw new IllegalArgumentException("authentication.method must be NONE or BASIC, got " + method
                        + " (" + origin + ")");
            }
            tls(settings, origin);
            String max = settings.getProperty("request.max.bytes");
            if (max != null) {
                try {
                    maxRequestBytes(Integer.parseInt(max.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("request.max.bytes must be an integer, got " + max + " (" + origin + ")");
                }
            }
            return this;
        }

        private void listener(String listeners) {
            if (listeners.contains(",")) {
                throw new IllegalArgumentException("listeners: this registry serves one listener, got " + listeners);
            }
            URI uri = URI.create(listeners);
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("listeners must be http(s)://host:port, got " + listeners);
            }
            https = uri.getScheme().equals("https");
            host = uri.getHost();
            port(uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
        }

        private void store(Properties settings, String origin) {
            Set<String> known = new HashSet<>(ProducerConfig.configNames());
            known.addAll(ConsumerConfig.configNames());
            known.addAll(AdminClientConfig.configNames());
            for (String key : settings.stringPropertyNames()) {
                if (!key.startsWith(STORE_PREFIX)) {
                    continue;
                }
                String client = key.substring(STORE_PREFIX.length());
                if (!known.contains(client)) {
                    throw new IllegalArgumentException(key + " is not a Kafka client setting (" + origin + ")");
                }
                if (client.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                    bootstrapServers = settings.getProperty(key).trim();
                } else {
                    storeClientConfig.put(client, settings.getProperty(key));
                }
            }
        }

        private void tls(Properties s, String origin) {
            boolean any = s.stringPropertyNames().stream().anyMatch(k -> k.startsWith("ssl."));
            if (!https) {
                if (any) {
                    throw new IllegalArgumentException("ssl.* settings are set but the listener is not https:// (" + origin + ")");
                }
                return;
            }
            if (s.getProperty("ssl.keystore.location") == null) {
                throw new IllegalArgumentException("an https listener needs ssl.keystore.location (" + origin + ")");
            }
            clientAuthentication = s.getProperty("ssl.client.authentication", "NONE").trim().toUpperCase(Locale.ROOT);
            if (!List.of("NONE", "REQUESTED", "REQUIRED").contains(clientAuthentication)) {
                throw new IllegalArgumentException("ssl.client.authentication must be NONE, REQUESTED or REQUIRED, got "
                        + clientAuthentication + " (" + origin + ")");
            }
            if (!clientAuthentication.equals("NONE") && s.getProperty("ssl.truststore.location") == null) {
                throw new IllegalArgumentException("ssl.client.authentication=" + clientAuthentication
                        + " needs ssl.truststore.location (" + origin + ")");
            }
            try {
                String keyStorePassword = s.getProperty("ssl.keystore.password");
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(load(s, "ssl.keystore"), chars(s.getProperty("ssl.key.password", keyStorePassword)));
                TrustManagerFactory trust = null;
                if (s.getProperty("ssl.truststore.location") != null) {
                    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    trust.init(load(s, "ssl.truststore"));
                }
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
                sslContext = context;
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot set up TLS from " + origin + ": " + e.getMessage(), e);
            }
        }

        private static KeyStore load(Properties s, String prefix) throws GeneralSecurityException {
            Path file = Path.of(s.getProperty(prefix + ".location").trim());
            try (InputStream in = Files.newInputStream(file)) {
                KeyStore store = KeyStore.getInstance(s.getProperty(prefix + ".type", KeyStore.getDefaultType()).trim());
                store.load(in, chars(s.getProperty(prefix + ".password")));
                return store;
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + prefix + ".location " + file + ": " + e.getMessage(), e);
            }
        }

        private static char[] chars(String password) {
            return password == null ? null : password.toCharArray();
        }

        public RegistryServerConfig build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("the registry needs Kafka: no bootstrap servers (kafkastore.bootstrap.servers)");
            }
            if (https && sslContext == null) {
                throw new IllegalArgumentException("an https listener needs a key store");
            }
            if (basic && users.isEmpty()) {
                throw new IllegalArgumentException("basic authentication without any user would refuse everyone");
            }
            return new RegistryServerConfig(this);
        }
    }

    /** Reads a Jetty/Confluent password file: {@code user: password[,role...]}, {@code #} comments. */
    static Map<String, User> readUsers(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read authentication.users.file " + file + ": " + e.getMessage(), e);
        }
        Map<String, User> users = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 'user: password[,role...]'");
            }
            String[] parts = line.substring(colon + 1).split(",");
            String password = parts[0].trim();
            if (password.isEmpty() || password.startsWith("OBF:") || password.startsWith("CRYPT:")) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": the password must be in clear or MD5:<hex>");
            }
            Set<String> userRoles = new HashSet<>();
            for (int r = 1; r < parts.length; r++) {
                if (!parts[r].isBlank()) {
                    userRoles.add(parts[r].trim());
                }
            }
            users.put(line.substring(0, colon).trim(), new User(password, userRoles));
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("authentication.users.file " + file + " names no user");
        }
        return users;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** Null for plain http. */
    SSLContext sslContext() {
        return sslContext;
    }

    String clientAuthentication() {
        return clientAuthentication;
    }

    boolean basicAuth() {
        return !users.isEmpty();
    }

    String realm() {
        return realm;
    }

    /** The user {@code name} if {@code password} is theirs, else null. */
    User authenticate(String name, String password) {
        User u = users.get(name);
        return u != null && u.accepts(password) ? u : null;
    }

    /** Whether an authenticated user holds one of the allowed roles (any user when no roles are set). */
    boolean allowed(User user) {
        return roles.isEmpty() || user.roles().stream().anyMatch(roles::contains);
    }

    int maxRequestBytes() {
        return maxRequestBytes;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    Map<String, Object> storeClientConfig() {
        return storeClientConfig;
    }

    @Override
    public String toString() {
        return "RegistryServerConfig[" + (sslContext == null ? "http" : "https") + "://" + host + ":" + port
                + (users.isEmpty() ? "" : ", basic auth (" + users.size() + " users)") + ", kafka " + bootstrapServers
                + ", store settings " + new TreeSet<>(storeClientConfig.keySet()) + "]";
    }
}
