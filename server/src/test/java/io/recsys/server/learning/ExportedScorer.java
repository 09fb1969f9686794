package io.recsys.server.learning;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.recsys.server.model.RetrievalGraph;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** Runs an exported, self-contained scorer graph the way an outside user would. */
final class ExportedScorer {
  private ExportedScorer() {}

  static float[] topScores(byte[] graph, float[] user, int k) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(graph);
        OnnxTensor users = OnnxTensor.createTensor(env, FloatBuffer.wrap(user), new long[] {1, user.length});
        OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1});
        OrtSession.Result result = session.run(Map.of(RetrievalGraph.USER_VECTORS, users, RetrievalGraph.K, kTensor))) {
      FloatBuffer scores = ((OnnxTensor) result.get(RetrievalGraph.TOP_SCORES).orElseThrow()).getFloatBuffer();
      float[] top = new float[scores.remaining()];
      scores.get(top);
      return top;
    }
  }
}
