package io.clipguard.config;

import io.clipguard.error.ClipGuardException;
import io.clipguard.error.ErrorCode;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The effective configuration of one command: {@code application.properties} (every
 * default), then environment variables and system properties, then a {@code --kafka-config}
 * file, then the command-line options, each overriding the one before. One typed view of
 * the {@code clipguard.*} settings ({@link #app()}) and the raw pass-through groups
 * {@code kafka.*} and {@code kafka-streams.*} ({@link #group}).
 *
 * <p>Why a configuration per command rather than Quarkus's injected one: the command line
 * is parsed after the application has started, and tests run several instances with
 * different settings in one JVM.
 */
public final class Settings {
    /** Ordinals: application.properties 250, environment 300, system properties 400. */
    private static final int KAFKA_FILE_ORDINAL = 550;
    private static final int COMMAND_LINE_ORDINAL = 600;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z0-9_]+");

    private final SmallRyeConfig config;
    private final ClipGuardConfig app;

    private Settings(SmallRyeConfig config) {
        this.config = config;
        this.app = config.getConfigMapping(ClipGuardConfig.class);
    }

    /** The configuration with these command-line overrides (property name to value). */
    public static Settings load(Map<String, String> overrides) {
        return load(overrides, null);
    }

    /**
     * @param kafkaConfigFile a Java properties file of Kafka client settings (as Kafka's own
     *                        tools take with {@code --command-config}), or null
     */
    public static Settings load(Map<String, String> overrides, Path kafkaConfigFile) {
        SmallRyeConfig base = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        List<ConfigSource> sources = new ArrayList<>();
        base.getConfigSources().forEach(sources::add);
        if (sources.stream().noneMatch(s -> s.getName() != null && s.getName().contains("application.properties"))) {
            sources.add(applicationProperties());
        }
        if (kafkaConfigFile != null) {
            sources.add(new PropertiesConfigSource(prefixed("kafka.", readProperties(kafkaConfigFile)), "kafka config " + kafkaConfigFile,
                    KAFKA_FILE_ORDINAL));
        }
        Map<String, String> cli = new HashMap<>();
        overrides.forEach((k, v) -> {
            if (v != null) {
                cli.put(k, v);
            }
        });
        sources.add(new PropertiesConfigSource(cli, "command line", COMMAND_LINE_ORDINAL));
        try {
            // Quarkus's duration syntax ("5ms", "2s") also where Quarkus does not run (plain picocli, unit tests).
            SmallRyeConfig config = new SmallRyeConfigBuilder().withSources(sources).withProfiles(base.getProfiles())
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withMapping(ClipGuardConfig.class).withValidateUnknown(true).build();
            return new Settings(config);
        } catch (RuntimeException e) {
            throw new ClipGuardException(ErrorCode.CONFIG_INVALID, "invalid settings: " + e.getMessage(), e);
        }
    }

    public ClipGuardConfig app() {
        return app;
    }

    /** This instance's id: configured, else the host name (stable across restarts; it also names the state directory). */
    public String instanceId() {
        return app.stream().instanceId().orElseGet(() -> {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        });
    }

    /** One setting's value as written (no expression expansion), if set. */
    public java.util.Optional<String> raw(String name) {
        ConfigValue v = config.getConfigValue(name);
        return v == null || v.getRawValue() == null || v.getRawValue().isBlank() ? java.util.Optional.empty()
                : java.util.Optional.of(v.getRawValue());
    }

    /**
     * Every setting under {@code prefix} (e.g. {@code kafka}), keys without the prefix, values
     * as written. Environment variables count in their upper-case form
     * ({@code KAFKA_SASL_JAAS_CONFIG} -> {@code sasl.jaas.config}); {@code excludedEnvPrefix}
     * keeps a longer group's variables out ({@code KAFKA_STREAMS_} from {@code kafka}).
     */
    public Map<String, String> group(String prefix, String excludedEnvPrefix) {
        String dotted = prefix + ".";
        String env = prefix.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        Map<String, String> out = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            String key = null;
            if (name.startsWith(dotted)) {
                key = name.substring(dotted.length());
            } else if (name.startsWith(env) && ENV_NAME.matcher(name).matches()
                    && (excludedEnvPrefix == null || !name.startsWith(excludedEnvPrefix))) {
                key = name.substring(env.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            }
            if (key != null && !key.isEmpty()) {
                String k = key;
                raw(dotted + k).or(() -> raw(name)).ifPresent(v -> out.put(k, v));
            }
        }
        return out;
    }

    private static ConfigSource applicationProperties() {
        URL url = Settings.class.getClassLoader().getResource("application.properties");
        if (url == null) {
            throw new IllegalStateException("application.properties missing from the classpath");
        }
        try {
            return new PropertiesConfigSource(url, 250);
        } catch (IOException e) {
            throw new IllegalStateException("application.properties unreadable", e);
        }
    }

    private static Map<String, String> readProperties(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ClipGuardException(ErrorCode.FILE_NOT_FOUND, file + ": no such file");
        } catch (IOException e) {
            throw new ClipGuardException(ErrorCode.FILE_UNREADABLE, file + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static Map<String, String> prefixed(String prefix, Map<String, String> values) {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }
}
