package io.recsys.server.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where each of {@code serve}'s settings comes from. Highest first: a flag on the command line, an
 * environment variable ({@code RECSYS_SERVE_} and the flag's name in upper case with {@code _} for
 * {@code -}: {@code RECSYS_SERVE_MAX_BATCH_SIZE=16}), the configuration file ({@code --config
 * FILE} or {@code RECSYS_SERVE_CONFIG}; Java properties, one {@code name = value} per line, names
 * as the flags without their dashes: {@code max-batch-size = 16}), the built-in default.
 *
 * <p>Every layer speaks the flags' language: file and environment entries become flags placed
 * before the command line's own, parsed by the same picocli model with later flags winning, so a
 * value means the same wherever it is written. A name no flag has, in the file or under the
 * prefix, fails the start naming it and where it was found; so does a value its flag would refuse.
 */
final class ConfigSources {
  static final String ENV_PREFIX = "RECSYS_SERVE_";
  static final String CONFIG_ENV = ENV_PREFIX + "CONFIG";
  /** Options that are not settings: they say what to do, not how to serve. */
  private static final Set<String> NOT_SETTINGS = Set.of("--help", "--version", "--config", "--print-config");

  /** Where a setting's value came from, highest precedence first. */
  enum Source {
    FLAG("command line"),
    ENVIRONMENT("environment"),
    FILE("configuration file"),
    DEFAULT("built-in default");

    final String description;

    Source(String description) {
      this.description = description;
    }
  }

  /** One setting's effective value as its flag spells it, and its layer. */
  record Setting(String name, String value, Source source) {}

  /** The layers applied: the command they produced and every setting's value and source. */
  record Resolved(ServeCommand command, Map<String, Setting> settings, Optional<Path> file) {
    /** The source of a setting, by name ({@code port}), e.g. to say where a bad value was set. */
    Source sourceOf(String name) {
      Setting setting = settings.get(name);
      return setting == null ? Source.DEFAULT : setting.source();
    }

    /**
     * The effective configuration as a properties file (usable as {@code --config}), grouped by
     * source; settings with no value (an optional file not given) are shown commented out.
     */
    String describe() {
      StringBuilder out = new StringBuilder("# serve: effective configuration (precedence: command line > environment (")
          .append(ENV_PREFIX).append("*) > configuration file > built-in default)\n");
      file.ifPresent(f -> out.append("# configuration file: ").append(f.toAbsolutePath()).append('\n'));
      for (Source source : Source.values()) {
        List<Setting> from = settings.values().stream().filter(s -> s.source() == source).toList();
        if (from.isEmpty()) {
          continue;
        }
        out.append("\n# from the ").append(source.description).append('\n');
        for (Setting setting : from) {
          if (setting.value() == null) {
            out.append("# ").append(setting.name()).append(" =\n");
          } else {
            out.append(setting.name()).append(" = ").append(setting.value()).append('\n');
          }
        }
      }
      return out.toString();
    }
  }

  private ConfigSources() {}

  /**
   * Layers the environment and the configuration file under the command line as given, already
   * parsed once ({@code given}) into {@code parsed}.
   */
  static Resolved resolve(ServeCommand parsed, CommandSpec spec, CommandLine.ParseResult given, Map<String, String> environment)
      throws IOException {
    Map<String, OptionSpec> options = settingsOf(spec);
    Optional<Path> file =
        Optional.ofNullable(parsed.configFile).or(() -> Optional.ofNullable(environment.get(CONFIG_ENV)).map(Path::of));
    Map<String, String> fromFile = file.isPresent() ? readFile(file.get(), options) : Map.of();
    Map<String, String> fromEnvironment = readEnvironment(environment, options);

    List<String> layered = new ArrayList<>();
    fromFile.forEach((name, value) -> layered.add(flag(name, value, options, "configuration file " + file.get() + ": " + name)));
    fromEnvironment.forEach((name, value) -> layered.add(flag(name, value, options, "environment variable " + envName(name))));
    layered.addAll(flagsOf(given));
    ServeCommand command = new ServeCommand();
    CommandLine line = new CommandLine(command).setOverwrittenOptionsAllowed(true);
    CommandLine.ParseResult result = line.parseArgs(layered.toArray(String[]::new));

    Map<String, Setting> settings = new LinkedHashMap<>();
    ServeDefaults defaults = new ServeDefaults();
    for (Map.Entry<String, OptionSpec> entry : options.entrySet()) {
      String name = entry.getKey();
      String flagName = "--" + name;
      Source source =
          given.hasMatchedOption(flagName) ? Source.FLAG
              : fromEnvironment.containsKey(name) ? Source.ENVIRONMENT
              : fromFile.containsKey(name) ? Source.FILE
              : Source.DEFAULT;
      String value =
          result.hasMatchedOption(flagName)
              ? last(result.matchedOption(flagName).stringValues(), entry.getValue())
              : defaults.defaultValue(entry.getValue());
      settings.put(name, new Setting(name, value, source));
    }
    return new Resolved(command, settings, file);
  }

  /** The flags {@code serve} was given, one {@code --name=value} each (a bare boolean as is). */
  private static List<String> flagsOf(CommandLine.ParseResult parsed) {
    List<String> flags = new ArrayList<>();
    for (OptionSpec option : parsed.matchedOptions()) {
      List<String> values = parsed.matchedOption(option.longestName()).stringValues();
      if (values.isEmpty()) {
        flags.add(option.longestName());
      }
      for (String value : values) {
        flags.add(option.longestName() + "=" + value);
      }
    }
    return flags;
  }

  /** {@code serve}'s settings by name without dashes ({@code port}), in the order of {@code --help}. */
  private static Map<String, OptionSpec> settingsOf(CommandSpec spec) {
    Map<String, OptionSpec> options = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      if (!NOT_SETTINGS.contains(option.longestName())) {
        options.put(option.longestName().substring(2), option);
      }
    }
    return options;
  }

  private static Map<String, String> readFile(Path file, Map<String, OptionSpec> options) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("configuration file " + file + " does not exist", e);
    }
    Map<String, String> values = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      if (!options.containsKey(name)) {
        throw new IllegalArgumentException(
            "configuration file " + file + ": unknown setting '" + name + "'" + suggestion(name, options) + " (serve --help lists them)");
      }
      values.put(name, properties.getProperty(name).strip());
    }
    return values;
  }

  private static Map<String, String> readEnvironment(Map<String, String> environment, Map<String, OptionSpec> options) {
    Map<String, String> values = new TreeMap<>();
    for (Map.Entry<String, String> variable : environment.entrySet()) {
      String key = variable.getKey();
      if (!key.startsWith(ENV_PREFIX) || key.equals(CONFIG_ENV)) {
        continue;
      }
      String name = key.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
      if (!options.containsKey(name)) {
        throw new IllegalArgumentException(
            "environment variable " + key + ": unknown setting '" + name + "'" + suggestion(name, options) + " (serve --help lists them)");
      }
      values.put(name, variable.getValue().strip());
    }
    return values;
  }

  /** {@code --name=value}, refused here, naming where it was written, if its flag refuses it. */
  private static String flag(String name, String value, Map<String, OptionSpec> options, String where) {
    String flag = "--" + name + "=" + value;
    try {
      new CommandLine(new ServeCommand()).parseArgs(flag);
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    return flag;
  }

  static String envName(String name) {
    return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String last(List<String> values, OptionSpec option) {
    // A boolean flag given bare has no string value: it means true.
    return values.isEmpty() ? (option.type() == boolean.class ? "true" : "") : values.get(values.size() - 1);
  }

  /** ", did you mean 'x'?" for a name one or two edits from a setting, else nothing. */
  private static String suggestion(String name, Map<String, OptionSpec> options) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : options.keySet()) {
      int distance = editDistance(name, candidate);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = candidate;
      }
    }
    return best == null ? "" : ", did you mean '" + best + "'?";
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
