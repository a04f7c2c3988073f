package org.sfu.signaling.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Every setting's value and where it came from, resolved once at start: a flag wins over the environment, the
 * environment over the configuration file, the file over the default. A blank value (an empty variable, {@code
 * --http-port=}) counts as not given there. Every value is checked here, so an invalid one is refused before anything
 * starts, with the setting's name, the value's origin and what is allowed.
 */
public final class SettingValues {

    /** Where a value came from, strongest first. */
    public enum Source { FLAG, ENVIRONMENT, FILE, DEFAULT }

    private record Resolved(Object value, Source source, String text) {
    }

    private final Map<Setting<?>, Resolved> values;
    private final Path file;
    private final List<String> warnings;

    private SettingValues(Map<Setting<?>, Resolved> values, Path file, List<String> warnings) {
        this.values = values;
        this.file = file;
        this.warnings = List.copyOf(warnings);
    }

    /** Only the environment (no flags, no file unless SFU_CONFIG_FILE names one). */
    public static SettingValues fromEnvironment(Map<String, String> env) {
        return resolve(CommandLine.none(), env);
    }

    /**
     * Resolves every setting from the command line, the environment and the configuration file (--config, else
     * SFU_CONFIG_FILE, else none).
     *
     * @throws InvalidSettingException for the first value refused, or a file that cannot be read or parsed
     */
    public static SettingValues resolve(CommandLine commandLine, Map<String, String> env) {
        Path path = commandLine.configFile();
        String fileOrigin = CommandLine.CONFIG_FLAG;
        if (path == null && !blank(env.get(Settings.CONFIG_FILE_ENV))) {
            path = Path.of(env.get(Settings.CONFIG_FILE_ENV).trim());
            fileOrigin = Settings.CONFIG_FILE_ENV;
        }
        List<String> warnings = new ArrayList<>();
        Config file = path == null ? ConfigFactory.empty() : parse(path, fileOrigin, warnings);
        Map<Setting<?>, Resolved> values = new HashMap<>();
        for (Setting<?> setting : Settings.ALL) {
            values.put(setting, resolveOne(setting, commandLine, env, file, path));
        }
        return new SettingValues(values, path, warnings);
    }

    private static Resolved resolveOne(Setting<?> setting, CommandLine commandLine, Map<String, String> env,
                                       Config file, Path path) {
        String flag = commandLine.values().get(setting);
        if (!blank(flag)) {
            return parse(setting, flag, Source.FLAG, "flag " + setting.flag());
        }
        String variable = env.get(setting.env());
        if (!blank(variable)) {
            return parse(setting, variable, Source.ENVIRONMENT, "environment variable " + setting.env());
        }
        if (hasPath(file, setting.fileKey())) {
            ConfigValue value = file.getValue(setting.fileKey());
            String origin = path + (value.origin().lineNumber() > 0 ? " line " + value.origin().lineNumber() : "")
                    + " (" + setting.fileKey() + ")";
            String text = fileText(setting, value, origin);
            if (!blank(text)) {
                return parse(setting, text, Source.FILE, origin);
            }
        }
        return new Resolved(setting.defaultValue(), Source.DEFAULT, null);
    }

    private static Resolved parse(Setting<?> setting, String text, Source source, String origin) {
        String trimmed = text.trim();
        try {
            return new Resolved(setting.format().parse(trimmed), source, trimmed);
        } catch (IllegalArgumentException e) {
            throw InvalidSettingException.of(setting, origin, trimmed, e.getMessage());
        }
    }

    /** A HOCON value as the text a flag or a variable would carry: a list becomes comma-separated. */
    private static String fileText(Setting<?> setting, ConfigValue value, String origin) {
        if (value.valueType() == ConfigValueType.LIST) {
            StringJoiner joined = new StringJoiner(",");
            for (Object item : (List<?>) value.unwrapped()) {
                if (item instanceof Map || item instanceof List) {
                    throw InvalidSettingException.of(setting, origin, value.render(), "a list of plain values");
                }
                joined.add(String.valueOf(item));
            }
            return joined.toString();
        }
        if (value.valueType() == ConfigValueType.OBJECT) {
            throw InvalidSettingException.of(setting, origin, value.render(), "an object, not a value");
        }
        Object plain = value.unwrapped();
        return plain == null ? null : String.valueOf(plain);
    }

    private static Config parse(Path path, String origin, List<String> warnings) {
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new InvalidSettingException("Cannot read the configuration file " + path + " (from " + origin + ")");
        }
        Config config;
        try {
            // The file alone: no reference.conf, no system properties (ice4j's own configuration stays ice4j's).
            config = ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                    .resolve();
        } catch (ConfigException e) {
            throw new InvalidSettingException("Invalid configuration file " + path + ": " + e.getMessage());
        }
        Set<String> known = new HashSet<>();
        for (Setting<?> s : Settings.ALL) {
            known.add(s.fileKey());
        }
        for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
            if (!known.contains(e.getKey())) {
                // A warning, not a refusal: a file written for a newer server still starts an older one.
                Setting<?> meant = Settings.closest(e.getKey(), Setting::fileKey);
                warnings.add("Unknown setting " + e.getKey() + " in " + path + " line "
                        + e.getValue().origin().lineNumber() + " is ignored"
                        + (meant == null ? "" : " (did you mean " + meant.fileKey() + "?)")
                        + " (--help lists the settings)");
            }
        }
        return config;
    }

    /** False too when a parent of the key is not an object ({@code network = 5}): reported as an unknown key. */
    private static boolean hasPath(Config file, String key) {
        try {
            return file.hasPath(key);
        } catch (ConfigException e) {
            return false;
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting).value();
    }

    public Source source(Setting<?> setting) {
        return values.get(setting).source();
    }

    /** The configuration file read, or null. */
    public Path file() {
        return file;
    }

    /** What the operator should know but that does not stop the server (unknown keys in the file). */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The effective configuration, one setting a line ({@code network.http-port = 8000 (default)}), for the start-up
     * log. A secret shows only whether it is set.
     */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Setting<?> s : Settings.ALL) {
            Resolved r = values.get(s);
            String shown = r.source() == Source.DEFAULT ? s.defaultText()
                    : s.secret() ? "******** (set)" : r.text();
            lines.add(s.key() + " = " + shown + " (" + r.source().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        return lines;
    }
}
