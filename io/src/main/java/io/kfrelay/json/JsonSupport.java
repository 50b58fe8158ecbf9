package io.kfrelay.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.EnumFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The project's one way to read and write JSON: Jackson (jackson-core's streaming generator where a line is written
 * per packet, databind's tree model and maps elsewhere), configured here once.
 *
 * <p>What it writes: compact (no spaces, no indentation: the perf report adds its own pretty printer), keys in the
 * order they were put, strings as UTF-8 with only what JSON requires escaped ({@code "}, {@code \}, control
 * characters; non-ASCII is written as is), enums as their lower-case names, and a non-finite {@code double} or
 * {@code float} (a ratio over nothing) as {@code null}, never as the string {@code "NaN"} that Jackson writes by
 * default. Integers are written exactly; finite doubles as Java's shortest representation (the perf report rounds
 * its own, see perf-tests). It reads what it writes: numbers without a fraction as {@code int} or {@code long},
 * objects as insertion-ordered maps.
 */
public final class JsonSupport {
    /** The configured mapper: thread-safe once built, share it. */
    public static final JsonMapper MAPPER = builder().build();

    private JsonSupport() {
    }

    /**
     * A builder with the settings above, for a caller that adds its own presentation on top (the perf report's
     * indentation and rounding). Everything else uses {@link #MAPPER}.
     */
    public static JsonMapper.Builder builder() {
        SimpleModule nonFinite = new SimpleModule("kfrelay-non-finite-as-null");
        nonFinite.addSerializer(Double.class, new NonFiniteAsNull<>());
        nonFinite.addSerializer(double.class, new NonFiniteAsNull<>());
        nonFinite.addSerializer(Float.class, new NonFiniteAsNull<>());
        nonFinite.addSerializer(float.class, new NonFiniteAsNull<>());
        return JsonMapper.builder()
                .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
                .addModule(nonFinite);
    }

    /** The factory behind {@link #MAPPER}, for streaming. */
    public static JsonFactory factory() {
        return MAPPER.getFactory();
    }

    /** A new, empty JSON object (tree model). */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A new, empty JSON array (tree model). */
    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** {@code value} (a tree, a map, a list, a string, a number...) as compact JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A streaming generator writing UTF-8 to {@code out} for JSON Lines: nothing between top-level values, so the
     * caller ends each with {@code writeRaw('\n')}. It buffers (about 8 KB) and closes {@code out} when closed;
     * {@code flush()} passes through to {@code out}.
     */
    public static JsonGenerator lineGenerator(OutputStream out) throws IOException {
        JsonGenerator g = factory().createGenerator(out);
        g.setRootValueSeparator(null);
        return g;
    }

    /** Writes a non-finite double or float as {@code null}, any other as the number it is. */
    private static final class NonFiniteAsNull<N extends Number> extends JsonSerializer<N> {
        @Override
        public void serialize(N value, JsonGenerator g, SerializerProvider provider) throws IOException {
            if (value instanceof Float f) {
                if (Float.isFinite(f)) {
                    g.writeNumber(f);
                } else {
                    g.writeNull();
                }
            } else if (Double.isFinite(value.doubleValue())) {
                g.writeNumber(value.doubleValue());
            } else {
                g.writeNull();
            }
        }
    }
}
