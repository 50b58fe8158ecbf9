package io.kfrelay.cli;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Where {@code serve} options come from when the command line does not give them: the environment
 * ({@code KFRELAY_} + the option name upper-cased with {@code _}, e.g. {@code KFRELAY_WS_LISTEN}), then the
 * config file ({@code --config FILE}, Java properties keyed by the long option name without dashes, e.g.
 * {@code ws-listen=0.0.0.0:8080}), then the built-in default. picocli asks this provider before it parses the
 * arguments, and an argument given on the command line overrides whatever it answered, which yields
 * command line &gt; environment &gt; config file &gt; default.
 *
 * <p>A map-valued option {@code --NAME KEY=VALUE} (e.g. {@code --room-acl}) takes one config-file key per
 * entry, {@code NAME.KEY=VALUE}; such options split their values on {@link #MAP_ENTRY_SPLIT}.
 */
final class ServeDefaults implements IDefaultValueProvider {
    static final String ENV_PREFIX = "KFRELAY_";
    static final String CONFIG_OPTION = "--config";
    /** The {@code split} regex of map options: their config-file entries are joined with a newline. */
    static final String MAP_ENTRY_SPLIT = "\\n";

    private final Map<String, String> env;
    private final Properties file;
    private final Path filePath;

    ServeDefaults(Map<String, String> env, Properties file, Path filePath) {
        this.env = env;
        this.file = file;
        this.filePath = filePath;
    }

    /** The config file named by {@code --config FILE} / {@code --config=FILE} in {@code args}, else KFRELAY_CONFIG. */
    static ServeDefaults load(String[] args, Map<String, String> env) throws ConfigFileException {
        String path = env.get(envName("config"));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
                path = args[i + 1];
            } else if (args[i].startsWith(CONFIG_OPTION + "=")) {
                path = args[i].substring(CONFIG_OPTION.length() + 1);
            }
        }
        Properties props = new Properties();
        if (path == null || path.isEmpty()) {
            return new ServeDefaults(env, props, null);
        }
        Path p = Path.of(path);
        try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigFileException("config file " + p + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigFileException("cannot read config file " + p + ": " + e.getMessage());
        }
        return new ServeDefaults(env, props, p);
    }

    /** Refuses config file keys that name no option, listing the ones that do. */
    void checkKeys(CommandSpec spec) throws ConfigFileException {
        TreeSet<String> known = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            if (o.longestName().startsWith("--") && !o.longestName().equals(CONFIG_OPTION) && !o.usageHelp()
                    && !o.versionHelp()) {
                known.add(key(o));
            }
        }
        TreeSet<String> unknown = new TreeSet<>();
        for (String k : file.stringPropertyNames()) {
            if (!known.contains(k) && !isMapEntryKey(spec, k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigFileException("config file " + filePath + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (known keys: " + String.join(", ", known) + ")");
        }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")
                || option.longestName().equals(CONFIG_OPTION)) {
            return null;
        }
        String key = key(option);
        String fromEnv = env.get(envName(key));
        if (fromEnv != null) {
            return fromEnv;
        }
        String fromFile = file.getProperty(key);
        if (fromFile == null && option.typeInfo().isMap()) {
            return mapEntries(key);
        }
        return fromFile != null ? fromFile.trim() : null; // null: picocli uses the annotated default
    }

    /** The file's {@code key.K=V} entries as {@code K=V} lines, or null if there are none. */
    private String mapEntries(String key) {
        String prefix = key + ".";
        StringBuilder entries = new StringBuilder();
        for (String k : new TreeSet<>(file.stringPropertyNames())) {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                if (!entries.isEmpty()) {
                    entries.append('\n');
                }
                entries.append(k.substring(prefix.length())).append('=').append(file.getProperty(k).trim());
            }
        }
        return entries.isEmpty() ? null : entries.toString();
    }

    /** Whether {@code k} is {@code NAME.KEY} for a map-valued option {@code --NAME}. */
    private static boolean isMapEntryKey(CommandSpec spec, String k) {
        int dot = k.indexOf('.');
        if (dot <= 0) {
            return false;
        }
        OptionSpec o = spec.findOption("--" + k.substring(0, dot));
        return o != null && o.typeInfo().isMap();
    }

    static String key(OptionSpec option) {
        return option.longestName().substring(2);
    }

    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    static final class ConfigFileException extends Exception {
        ConfigFileException(String message) {
            super(message);
        }
    }
}
