package org.reachwatch.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach a Schema Registry: its URL and, optionally, HTTP basic credentials and TLS trust and
 * keys, read from the same settings Confluent's client takes, so a client configuration written for
 * Confluent's serializers configures this one. Immutable; {@link #toString()} and
 * {@link #maskedUrl()} never show a password.
 *
 * <p>Settings (Confluent's names): {@code schema.registry.url} ({@code http(s)://[user:password@]host:port});
 * {@code basic.auth.credentials.source} = {@code URL} (the URL's user info), {@code USER_INFO}
 * ({@code basic.auth.user.info = user:password}) or {@code SASL_INHERIT} (the username and password
 * of the Kafka client's {@code sasl.jaas.config}); {@code schema.registry.ssl.truststore.*},
 * {@code schema.registry.ssl.keystore.*}, {@code schema.registry.ssl.key.password}. Other keys are
 * ignored here (they belong to the Kafka client); those above are checked, and a setting that
 * would be ignored or that contradicts another is an {@link IllegalArgumentException} naming it.
 */
public final class RegistryClientConfig {
    public static final String URL = "schema.registry.url";
    public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO = "basic.auth.user.info";
    /** Older Confluent name of {@link #USER_INFO}. */
    public static final String USER_INFO_LEGACY = "schema.registry.basic.auth.user.info";
    public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String KEY_PASSWORD = "schema.registry.ssl.key.password";
    public static final String ENDPOINT_IDENTIFICATION = "schema.registry.ssl.endpoint.identification.algorithm";

    /** Every setting this class reads. */
    public static final Set<String> NAMES = Set.of(URL, CREDENTIALS_SOURCE, USER_INFO, USER_INFO_LEGACY, TRUSTSTORE_LOCATION,
            TRUSTSTORE_PASSWORD, TRUSTSTORE_TYPE, KEYSTORE_LOCATION, KEYSTORE_PASSWORD, KEYSTORE_TYPE, KEY_PASSWORD,
            ENDPOINT_IDENTIFICATION);
    /** Those whose values are secrets. */
    public static final Set<String> SECRETS = Set.of(USER_INFO, USER_INFO_LEGACY, TRUSTSTORE_PASSWORD, KEYSTORE_PASSWORD, KEY_PASSWORD);

    private static final List<String> SOURCES = List.of("URL", "USER_INFO", "SASL_INHERIT");
    private static final Pattern JAAS_OPTION = Pattern.compile("(username|password)\\s*=\\s*\"([^\"]*)\"");

    private final String url;
    private final String userInfo;
    private final Map<String, String> tls;

    private RegistryClientConfig(String url, String userInfo, Map<String, String> tls) {
        this.url = url;
        this.userInfo = userInfo;
        this.tls = Map.copyOf(tls);
    }

    /** A URL alone (credentials in its user info, if any). */
    public static RegistryClientConfig of(String url) {
        return from(Map.of(URL, url == null ? "" : url));
    }

    /** Reads the settings above from a client configuration; other keys are ignored. */
    public static RegistryClientConfig from(Map<String, ?> configs) {
        String raw = string(configs, URL);
        if (raw == null || raw.isBlank()) {
            throw new IllegalArgumentException(URL + " is not set");
        }
        if (raw.contains(",")) {
            throw new IllegalArgumentException(URL + " lists several registries (" + mask(raw)
                    + "); give one (this client does not fail over between registries)");
        }
        URI uri = parse(raw.trim());
        String urlUserInfo = uri.getRawUserInfo() == null ? null : java.net.URLDecoder.decode(uri.getRawUserInfo(),
                java.nio.charset.StandardCharsets.UTF_8);
        String base = withoutUserInfo(uri);
        String userInfo = credentials(configs, urlUserInfo);
        Map<String, String> tls = new java.util.TreeMap<>();
        for (String key : NAMES) {
            if (key.startsWith("schema.registry.ssl.") && string(configs, key) != null) {
                tls.put(key, string(configs, key));
            }
        }
        if (!tls.isEmpty() && !base.startsWith("https://")) {
            throw new IllegalArgumentException(tls.keySet() + " set, but " + URL + " " + base + " is not https://");
        }
        String algorithm = tls.get(ENDPOINT_IDENTIFICATION);
        if (algorithm != null && !algorithm.equalsIgnoreCase("https")) {
            throw new IllegalArgumentException(ENDPOINT_IDENTIFICATION + "=" + algorithm
                    + " is not supported: the registry's certificate must name its host (https)");
        }
        RegistryClientConfig config = new RegistryClientConfig(base, userInfo, tls);
        if (!tls.isEmpty()) {
            config.sslContext();
        }
        return config;
    }

    private static String credentials(Map<String, ?> configs, String urlUserInfo) {
        String userInfo = string(configs, USER_INFO);
        String legacy = string(configs, USER_INFO_LEGACY);
        if (userInfo != null && legacy != null && !userInfo.equals(legacy)) {
            throw new IllegalArgumentException(USER_INFO + " and " + USER_INFO_LEGACY + " are both set, to different values");
        }
        userInfo = userInfo != null ? userInfo : legacy;
        String source = string(configs, CREDENTIALS_SOURCE);
        if (source == null) {
            // Confluent's default is URL, which would silently ignore a basic.auth.user.info given alone.
            if (userInfo != null && urlUserInfo != null) {
                throw new IllegalArgumentException("credentials given twice: in " + URL + " and in " + USER_INFO
                        + "; keep one (or set " + CREDENTIALS_SOURCE + ")");
            }
            source = userInfo != null ? "USER_INFO" : "URL";
        }
        source = source.trim().toUpperCase(Locale.ROOT);
        if (!SOURCES.contains(source)) {
            throw new IllegalArgumentException(CREDENTIALS_SOURCE + " must be one of " + SOURCES + ", got " + source);
        }
        String chosen = switch (source) {
            case "URL" -> {
                if (userInfo != null) {
                    throw new IllegalArgumentException(USER_INFO + " is set but " + CREDENTIALS_SOURCE
                            + "=URL reads the credentials from " + URL);
                }
                yield urlUserInfo;
            }
            case "USER_INFO" -> {
                if (userInfo == null) {
                    throw new IllegalArgumentException(CREDENTIALS_SOURCE + "=USER_INFO needs " + USER_INFO + " (user:password)");
                }
                if (urlUserInfo != null) {
                    throw new IllegalArgumentException("credentials given twice: in " + URL + " and in " + USER_INFO);
                }
                yield userInfo;
            }
            default -> {
                if (userInfo != null || urlUserInfo != null) {
                    throw new IllegalArgumentException(CREDENTIALS_SOURCE + "=SASL_INHERIT takes the login from sasl.jaas.config; "
                            + "remove the other credentials");
                }
                yield fromJaas(string(configs, "sasl.jaas.config"));
            }
        };
        if (chosen != null && chosen.indexOf(':') < 1) {
            throw new IllegalArgumentException("registry credentials must be user:password (" + source + ")");
        }
        return chosen;
    }

    private static String fromJaas(String jaas) {
        if (jaas == null) {
            throw new IllegalArgumentException(CREDENTIALS_SOURCE + "=SASL_INHERIT needs sasl.jaas.config");
        }
        String user = null;
        String password = null;
        Matcher m = JAAS_OPTION.matcher(jaas);
        while (m.find()) {
            if (m.group(1).equals("username")) {
                user = m.group(2);
            } else {
                password = m.group(2);
            }
        }
        if (user == null || password == null) {
            throw new IllegalArgumentException(CREDENTIALS_SOURCE + "=SASL_INHERIT needs username=\"...\" and password=\"...\" "
                    + "in sasl.jaas.config");
        }
        return user + ":" + password;
    }

    /** The registry's base URL without user info and without a trailing slash. */
    public String url() {
        return url;
    }

    /** Whether HTTP basic credentials are sent. */
    public boolean hasCredentials() {
        return userInfo != null;
    }

    /** The URL to print: credentials never appear in it. */
    public String maskedUrl() {
        return userInfo == null ? url : url.replaceFirst("://", "://***@");
    }

    /** True when nothing but a URL without credentials was given. */
    public boolean plain() {
        return userInfo == null && tls.isEmpty();
    }

    /** The {@code Authorization} header value, or null without credentials. */
    String authorization() {
        return userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The TLS context for an https registry: the given trust and key stores, or the JDK's defaults. */
    SSLContext sslContext() {
        try {
            if (tls.isEmpty()) {
                return SSLContext.getDefault();
            }
            TrustManagerFactory trust = null;
            if (tls.containsKey(TRUSTSTORE_LOCATION)) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(TRUSTSTORE_LOCATION, TRUSTSTORE_PASSWORD, TRUSTSTORE_TYPE));
            }
            KeyManagerFactory keys = null;
            if (tls.containsKey(KEYSTORE_LOCATION)) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String keyPassword = tls.getOrDefault(KEY_PASSWORD, tls.get(KEYSTORE_PASSWORD));
                keys.init(load(KEYSTORE_LOCATION, KEYSTORE_PASSWORD, KEYSTORE_TYPE), chars(keyPassword));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS for the registry client: " + e.getMessage(), e);
        }
    }

    private KeyStore load(String location, String password, String type) throws GeneralSecurityException {
        Path file = Path.of(tls.get(location));
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(tls.getOrDefault(type, KeyStore.getDefaultType()));
            store.load(in, chars(tls.get(password)));
            return store;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + location + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static char[] chars(String password) {
        return password == null ? null : password.toCharArray();
    }

    /** {@code url} with any user info replaced by {@code ***}; for printing URLs that may carry credentials. */
    public static String mask(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(?<=://)[^/@,]*@", "***@");
    }

    private static URI parse(String raw) {
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException(URL + " must be http(s)://host[:port], got " + mask(raw));
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(URL + " is not a URL: " + mask(raw));
        }
    }

    private static String withoutUserInfo(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return uri.getScheme() + "://" + uri.getRawAuthority().substring(uri.getRawUserInfo() == null ? 0
                : uri.getRawUserInfo().length() + 1) + path;
    }

    private static String string(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null) {
            return null;
        }
        String s = value instanceof org.apache.kafka.common.config.types.Password p ? p.value() : value.toString();
        return s.isBlank() ? null : s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistryClientConfig other && url.equals(other.url) && Objects.equals(userInfo, other.userInfo)
                && tls.equals(other.tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(url, userInfo, tls);
    }

    @Override
    public String toString() {
        Set<String> tlsKeys = new LinkedHashSet<>(tls.keySet());
        return "RegistryClientConfig[" + maskedUrl() + (userInfo == null ? "" : ", basic auth") + (tlsKeys.isEmpty() ? ""
                : ", tls " + tlsKeys) + "]";
    }
}
