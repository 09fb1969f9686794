package io.recsys.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** serve's layers: flag > environment > file > default, and every refusal naming where. */
class ConfigSourcesTest {
  @TempDir Path dir;

  private static ConfigSources.Resolved resolve(Map<String, String> environment, String... flags) throws Exception {
    ServeCommand command = new ServeCommand();
    CommandLine line = new CommandLine(command);
    CommandLine.ParseResult parsed = line.parseArgs(flags);
    return ConfigSources.resolve(command, line.getCommandSpec(), parsed, environment);
  }

  private static ServerConfig config(ConfigSources.Resolved resolved) {
    return resolved.command().config();
  }

  @Test
  void aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws Exception {
    Path file = Files.writeString(dir.resolve("recsys.properties"), "# ops\nport = 6001\nmax-batch-size = 16\ncandidates=50\n");
    Map<String, String> env = Map.of("RECSYS_SERVE_PORT", "6002", "RECSYS_SERVE_MAX_BATCH_SIZE", "8", "PATH", "/bin");

    ConfigSources.Resolved all = resolve(env, "--config", file.toString(), "--port", "6003");
    assertThat(config(all).port()).isEqualTo(6003);
    assertThat(config(all).maxBatchSize()).isEqualTo(8);
    assertThat(config(all).candidates()).isEqualTo(50);
    assertThat(config(all).maxCachedUsers()).isEqualTo(ServerConfig.defaults(Path.of("d")).maxCachedUsers());
    assertThat(all.sourceOf("port")).isEqualTo(ConfigSources.Source.FLAG);
    assertThat(all.sourceOf("max-batch-size")).isEqualTo(ConfigSources.Source.ENVIRONMENT);
    assertThat(all.sourceOf("candidates")).isEqualTo(ConfigSources.Source.FILE);
    assertThat(all.sourceOf("max-cached-users")).isEqualTo(ConfigSources.Source.DEFAULT);

    assertThat(config(resolve(env, "--config", file.toString())).port()).isEqualTo(6002);
    assertThat(config(resolve(Map.of(), "--config", file.toString())).port()).isEqualTo(6001);
    assertThat(config(resolve(Map.of("RECSYS_SERVE_CONFIG", file.toString()))).port()).as("the file named by the environment").isEqualTo(6001);
    assertThat(config(resolve(Map.of())).port()).isEqualTo(ServerConfig.DEFAULT_PORT);
  }

  @Test
  void printConfigIsAConfigurationFileThatStartsTheSameServer() throws Exception {
    Path file = Files.writeString(dir.resolve("a.properties"), "candidates = 50\nonnx-spinning = true\nexploration = softmax:0.5\n");
    ConfigSources.Resolved resolved =
        resolve(Map.of("RECSYS_SERVE_JOIN_WINDOW_SECONDS", "60"), "--config", file.toString(), "--keep-disliked", "--port=0");
    String printed = resolved.describe();
    assertThat(printed)
        .contains("# from the command line\n")
        .contains("keep-disliked = true\n")
        .contains("# from the environment\njoin-window-seconds = 60\n")
        .contains("# from the configuration file\n")
        .contains("# catalog =\n");

    Path copy = Files.writeString(dir.resolve("printed.properties"), printed);
    assertThat(config(resolve(Map.of(), "--config", copy.toString()))).isEqualTo(config(resolved));
    assertThat(config(resolved).onnxSpinning()).isTrue();
    assertThat(config(resolved).feedback().processor().updater().excludeDisliked()).isFalse();
  }

  @Test
  void unknownNamesAreRefusedNamingThemAndWhereTheyWere() throws Exception {
    Path file = Files.writeString(dir.resolve("typo.properties"), "max-bach-size = 3\n");
    assertThatThrownBy(() -> resolve(Map.of(), "--config", file.toString()))
        .hasMessage("configuration file " + file + ": unknown setting 'max-bach-size', did you mean 'max-batch-size'? (serve --help lists them)");
    assertThatThrownBy(() -> resolve(Map.of("RECSYS_SERVE_PROT", "1")))
        .hasMessageContaining("environment variable RECSYS_SERVE_PROT: unknown setting 'prot', did you mean 'port'?");
    assertThatThrownBy(() -> resolve(Map.of(), "--config", dir.resolve("absent.properties").toString()))
        .hasMessageContaining("does not exist");
    // Options that are actions, not settings, are not settings in a file either.
    Path action = Files.writeString(dir.resolve("action.properties"), "print-config = true\n");
    assertThatThrownBy(() -> resolve(Map.of(), "--config", action.toString())).hasMessageContaining("unknown setting 'print-config'");
  }

  @Test
  void badValuesAreRefusedNamingTheSettingAndWhereItWasSet() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.properties"), "port = many\n");
    assertThatThrownBy(() -> resolve(Map.of(), "--config", file.toString()))
        .hasMessageContaining("configuration file " + file + ": port: Invalid value for option '--port': 'many' is not an int");
    assertThatThrownBy(() -> resolve(Map.of("RECSYS_SERVE_ONNX_SPINNING", "maybe")))
        .hasMessageContaining("environment variable RECSYS_SERVE_ONNX_SPINNING");

    // A value of the right type that the setting refuses: the start fails naming both.
    Path range = Files.writeString(dir.resolve("range.properties"), "port = 70000\n");
    StringBuilder err = new StringBuilder();
    int exit = run(err, "serve", "--config", range.toString(), "--print-config");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("error: port must be in [0, 65535], got 70000 (set by configuration file " + range + ")\n");
  }

  @Test
  void logSettingsAreCheckedLikeEveryOther() {
    assertThatThrownBy(() -> LogSettings.of("xml", "info", null)).hasMessage("log-format must be text or json, got 'xml'");
    assertThatThrownBy(() -> LogSettings.of("text", "loud", null)).hasMessageContaining("log-level must be error, warn");
    assertThatThrownBy(() -> LogSettings.of("text", "info", "io.grpc")).hasMessage("log-levels takes logger=level pairs, got 'io.grpc'");
    LogSettings settings = LogSettings.of("json", "warn", "io.grpc=error, io.recsys.server.feedback=debug");
    assertThat(settings.levels()).containsOnlyKeys("io.grpc", "io.recsys.server.feedback");
    assertThat(settings.rootLevel().toString()).isEqualTo("WARN");
  }

  private static int run(StringBuilder err, String... args) {
    java.io.StringWriter errors = new java.io.StringWriter();
    CommandLine line = io.recsys.server.MainAccess.commandLine();
    line.setErr(new java.io.PrintWriter(errors));
    line.getSubcommands().get("serve").setErr(new java.io.PrintWriter(errors));
    int exit = line.execute(args);
    err.append(errors);
    return exit;
  }

  @Test
  void everySettingHasAnEnvironmentName() {
    assertThat(ConfigSources.envName("max-queue-delay-us")).isEqualTo("RECSYS_SERVE_MAX_QUEUE_DELAY_US");
    assertThat(List.of(ConfigSources.Source.values())).first().isEqualTo(ConfigSources.Source.FLAG);
  }
}
