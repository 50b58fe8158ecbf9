package io.kfrelay.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.List;
import java.util.Locale;

/** {@code serve}'s logging options (a mixin). The log backend is slf4j-simple; lines go to stderr. */
final class LoggingOptions {
    /** slf4j-simple reads its level from this property, once, when the first logger is made. */
    static final String LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";
    static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info", converter = Level.class,
            description = "error, warn, info (a line per start, join, leave, kick and error), debug (also every "
                    + "keyframe cached or rejected and every stream) or trace.")
    String logLevel;

    /** Sets the level; must run before anything logs (the backend reads it once). */
    void apply() {
        System.setProperty(LEVEL_PROPERTY, logLevel);
    }

    static final class Level implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (!LEVELS.contains(v)) {
                throw new TypeConversionException("log-level must be one of " + String.join(", ", LEVELS)
                        + ", not '" + value + "'");
            }
            return v;
        }
    }
}
