package io.recsys.loadtest.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code jmh [JMH options]}: runs the JMH micro-benchmarks of this jar (e.g. {@code jmh ScoringBenchmarks}). */
@Command(name = "jmh", description = "Run the JMH micro-benchmarks; arguments go to JMH (try: jmh -h).")
public final class JmhCommand implements Callable<Integer> {
  /** Everything after {@code jmh}, options included, goes to JMH as is. */
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    org.openjdk.jmh.Main.main(args.toArray(String[]::new));
    return 0;
  }
}
