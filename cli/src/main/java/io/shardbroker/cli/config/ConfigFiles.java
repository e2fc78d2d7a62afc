package io.shardbroker.cli.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads YAML config files into the config records. Unknown keys are errors (a typo must not be
 * silently ignored); every error names the file, the line and the key.
 */
public final class ConfigFiles {

  /**
   * Largest config file read, in characters: a seed section may list a whole directory's users
   * (100,000 users take about 6 MB); SnakeYAML's default of 3 MB would refuse it.
   */
  static final int MAX_CODE_POINTS = 64 * 1024 * 1024;

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
          .loaderOptions(loaderOptions())
          .build())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
      .registerModule(new SimpleModule().addDeserializer(Duration.class, new JsonDeserializer<>() {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
          try {
            return Durations.parse(p.getValueAsString());
          } catch (IllegalArgumentException e) {
            throw JsonMappingException.from(p, e.getMessage());
          }
        }
      }));

  private ConfigFiles() {}

  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_CODE_POINTS);
    return options;
  }

  /** The file read as {@code type}; an empty record when {@code file} is null. */
  public static <T> T read(Path file, Class<T> type) {
    if (file == null) {
      try {
        return YAML.readValue("{}", type);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
    try {
      return YAML.readValue(text.isBlank() ? "{}" : text, type);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.joining(", "));
      throw new ConfigException(file + " line " + lineOfKey(text, e.getPropertyName(), line(e))
          + ": unknown key '" + e.getPropertyName() + "' (known here: " + known + ")");
    } catch (JsonMappingException e) {
      throw new ConfigException(file + (e.getLocation() == null ? "" : " line " + line(e))
          + " at '" + path(e) + "': " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException(file + " is not valid YAML: " + e.getMessage());
    }
  }

  /**
   * The first line where {@code key} is written as a key; the parser reports where it stopped
   * reading, which is past the key.
   */
  private static int lineOfKey(String text, String key, int fallback) {
    Pattern written = Pattern.compile("(^|[\\s{,-])" + Pattern.quote(key) + "\\s*:");
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (written.matcher(lines.get(i)).find()) {
        return i + 1;
      }
    }
    return fallback;
  }

  /** The line of the offending token: the parser has already read past it by then. */
  private static int line(JsonMappingException e) {
    if (e.getProcessor() instanceof JsonParser parser && parser.currentTokenLocation() != null) {
      return parser.currentTokenLocation().getLineNr();
    }
    return e.getLocation() == null ? -1 : e.getLocation().getLineNr();
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  /** A config file or flag that cannot be used; the message says which and why. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }
}
