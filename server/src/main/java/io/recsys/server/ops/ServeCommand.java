package io.recsys.server.ops;

import io.recsys.server.model.OnnxRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: run the gRPC server until SIGTERM or SIGINT, then shut down gracefully. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve recommendations over gRPC (embedded goodbooks-10k catalog by default).")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", description = "gRPC port (default: ${DEFAULT-VALUE}).", defaultValue = "50051")
  int port;

  @Option(names = "--data-dir", description = "Durable state (default: ${DEFAULT-VALUE}).", defaultValue = "./data")
  Path dataDir;

  @Option(names = "--catalog", description = "Catalog file (.csv or .jsonl) instead of the embedded goodbooks-10k.")
  Path catalog;

  @Option(names = "--device", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).", defaultValue = "auto")
  String device;

  @Option(names = "--onnx-threads", description = "Intra-op threads per ONNX session (default: available cores).")
  Integer onnxThreads;

  @Option(names = "--max-cached-users", description = "Users whose state is kept in memory (default: ${DEFAULT-VALUE}).", defaultValue = "1000000")
  long maxCachedUsers;

  @Option(names = "--popularity-weight", description = "Weight of the popularity prior in scores (default: ${DEFAULT-VALUE}).", defaultValue = "0.1")
  float popularityWeight;

  @Option(names = "--drain-timeout", description = "Seconds shutdown waits for in-flight calls (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  long drainSeconds;

  @Override
  public Integer call() throws Exception {
    ServerConfig defaults = ServerConfig.defaults(dataDir);
    ServerConfig config =
        new ServerConfig(
            port,
            dataDir,
            Optional.ofNullable(catalog),
            OnnxRuntime.Device.parse(device),
            onnxThreads == null ? defaults.onnxThreads() : onnxThreads,
            maxCachedUsers,
            popularityWeight,
            Duration.ofSeconds(drainSeconds));
    RecsysServer server = RecsysServer.start(config);
    TerminationSignals.onTermination(server::stop);
    // Other ways out (System.exit elsewhere, SIGHUP) still release files and sessions.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shutdown-hook"));
    server.awaitTermination();
    return 0;
  }
}
