package io.recsys.server.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide ONNX Runtime: one environment, the device every session runs on, and the
 * session options that go with it. Callers outside {@code model} never touch ONNX Runtime types.
 */
public final class OnnxRuntime {
  private static final Logger log = LoggerFactory.getLogger(OnnxRuntime.class);

  /** Where sessions run. {@code AUTO} takes CUDA when its provider loads, else the CPU. */
  public enum Device {
    CPU,
    CUDA,
    AUTO;

    public static Device parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("device must be cpu, cuda or auto, got '" + name + "'");
      }
    }
  }

  private final OrtEnvironment environment;
  private final OnnxTimings timings = new OnnxTimings();
  private final boolean useCuda;
  private final int intraOpThreads;
  private final boolean spinning;

  /**
   * @param device the device asked for; {@code CUDA} fails here if the CUDA provider cannot load
   * @param intraOpThreads threads each session may use inside one operator
   */
  public OnnxRuntime(Device device, int intraOpThreads) {
    this(device, intraOpThreads, false);
  }

  /**
   * @param spinning whether idle intra-op threads spin (ONNX Runtime's default) instead of sleeping
   */
  public OnnxRuntime(Device device, int intraOpThreads, boolean spinning) {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    this.environment = OrtEnvironment.getEnvironment();
    this.intraOpThreads = intraOpThreads;
    this.spinning = spinning;
    this.useCuda = device != Device.CPU && cudaLoads(device);
  }

  private boolean cudaLoads(Device device) {
    try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
      probe.addCUDA(0);
      return true;
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      if (device == Device.CUDA) {
        throw new IllegalStateException("device cuda: the CUDA provider did not load: " + e.getMessage(), e);
      }
      log.info("Device auto: CUDA provider unavailable ({}); scoring on CPU", firstLine(e));
      return false;
    }
  }

  private static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  OrtEnvironment environment() {
    return environment;
  }

  /** Fresh options for one session; they must outlive it (closed together by {@link SharedSession}). */
  OrtSession.SessionOptions newSessionOptions() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(intraOpThreads);
    options.setInterOpNumThreads(1);
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    // Spinning intra-op threads wait for the next call at full speed: a win on an idle machine, a
    // loss in a server whose gRPC threads need the same cores (compare: 1,884 vs 1,113 QPS on 2).
    options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
    if (useCuda) {
      options.addCUDA(0);
    }
    return options;
  }

  /** "cpu" or "cuda", for logs and status. */
  /** Time spent in ONNX Runtime per stage, over this runtime's every session. */
  public OnnxTimings timings() {
    return timings;
  }

  public String deviceName() {
    return useCuda ? "cuda" : "cpu";
  }
}
