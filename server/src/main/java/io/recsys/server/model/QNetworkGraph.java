package io.recsys.server.model;

import static io.recsys.server.model.OnnxGraphs.dim;
import static io.recsys.server.model.OnnxGraphs.floatTensor;
import static io.recsys.server.model.OnnxGraphs.floatValue;
import static io.recsys.server.model.OnnxGraphs.int64Tensor;
import static io.recsys.server.model.OnnxGraphs.int64Value;
import static io.recsys.server.model.OnnxGraphs.intAttribute;
import static io.recsys.server.model.OnnxGraphs.node;

import io.recsys.server.model.onnx.OnnxProto.GraphProto;
import io.recsys.server.model.onnx.OnnxProto.NodeProto;

/**
 * The Q-network as an ONNX graph that scores all N retrieval candidates of a whole batch of
 * users in one call: states and candidates projected by P, features {@code [Ps, Px, Ps * Px]} for
 * every (user, candidate), two ReLU layers, a linear output, then TopK to re-rank. Its weights are
 * stored in the graph (the network is small); new weights are a new graph and a new session.
 */
public final class QNetworkGraph {
  /** Input: user states, float {@code [B, d]}. */
  public static final String USER_STATES = "user_states";
  /** Input: candidate item vectors per user, float {@code [B, N, d]}. */
  public static final String CANDIDATES = "candidates";
  /** Input: how many to keep, int64 {@code [1]}, at most N. */
  public static final String K = "k";
  /** Output: Q of every candidate, float {@code [B, N]} (exploration needs all of them). */
  public static final String Q_VALUES = "q_values";
  /** Output: the k best Q values per user, float {@code [B, k]}. */
  public static final String TOP_Q = "top_q";
  /** Output: candidate index of each, int64 {@code [B, k]}. */
  public static final String TOP_CANDIDATES = "top_candidates";

  private QNetworkGraph() {}

  public static byte[] export(QNetworkWeights network) {
    int d = network.dimension();
    int p = network.projection();
    int h1 = network.hidden1();
    int h2 = network.hidden2();
    double[] w = network.values();
    // The Java layout is rows per output unit (P [p][d], W1 [h1][3p], ...); MatMul wants
    // [inputs, outputs]: transpose.
    float[] projection = transpose(w, 0, p, d);
    int w1Offset = p * d;
    float[] w1 = transpose(w, w1Offset, h1, 3 * p);
    float[] b1 = slice(w, w1Offset + h1 * 3 * p, h1);
    int w2Offset = w1Offset + h1 * 3 * p + h1;
    float[] w2 = transpose(w, w2Offset, h2, h1);
    float[] b2 = slice(w, w2Offset + h2 * h1, h2);
    float[] w3 = slice(w, w2Offset + h2 * h1 + h2, h2);
    float[] b3 = slice(w, w2Offset + h2 * h1 + 2 * h2, 1);

    GraphProto graph =
        GraphProto.newBuilder()
            .setName("recsys_q_network")
            .addInput(floatValue(USER_STATES, dim("B"), dim(d)))
            .addInput(floatValue(CANDIDATES, dim("B"), dim("N"), dim(d)))
            .addInput(int64Value(K, dim(1)))
            .addInitializer(int64Tensor("axis_1", 1))
            .addInitializer(int64Tensor("axis_2", 2))
            .addInitializer(floatTensor("projection", projection, d, p))
            .addInitializer(floatTensor("w1", w1, 3L * p, h1))
            .addInitializer(floatTensor("b1", b1, h1))
            .addInitializer(floatTensor("w2", w2, h1, h2))
            .addInitializer(floatTensor("b2", b2, h2))
            .addInitializer(floatTensor("w3", w3, h2, 1))
            .addInitializer(floatTensor("b3", b3, 1))
            .addNode(node("MatMul", "projected_states", USER_STATES, "projection"))
            .addNode(node("MatMul", "projected_candidates", CANDIDATES, "projection"))
            .addNode(node("Unsqueeze", "state_column", "projected_states", "axis_1"))
            .addNode(node("Shape", "candidates_shape", "projected_candidates"))
            .addNode(node("Expand", "state_per_candidate", "state_column", "candidates_shape"))
            .addNode(node("Mul", "interaction", "state_per_candidate", "projected_candidates"))
            .addNode(concat("features", "state_per_candidate", "projected_candidates", "interaction"))
            .addNode(node("MatMul", "layer1_linear", "features", "w1"))
            .addNode(node("Add", "layer1_biased", "layer1_linear", "b1"))
            .addNode(node("Relu", "layer1", "layer1_biased"))
            .addNode(node("MatMul", "layer2_linear", "layer1", "w2"))
            .addNode(node("Add", "layer2_biased", "layer2_linear", "b2"))
            .addNode(node("Relu", "layer2", "layer2_biased"))
            .addNode(node("MatMul", "q_linear", "layer2", "w3"))
            .addNode(node("Add", "q_column", "q_linear", "b3"))
            .addNode(node("Squeeze", Q_VALUES, "q_column", "axis_2"))
            .addNode(TopKSelection.topK(Q_VALUES, K, TOP_Q, TOP_CANDIDATES, true))
            .addOutput(floatValue(Q_VALUES, dim("B"), dim("N")))
            .addOutput(floatValue(TOP_Q, dim("B"), dim("k")))
            .addOutput(int64Value(TOP_CANDIDATES, dim("B"), dim("k")))
            .build();
    return OnnxGraphs.model(graph);
  }

  private static NodeProto concat(String output, String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setOpType("Concat").setName(output).addOutput(output);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.addAttribute(intAttribute("axis", -1)).build();
  }

  private static float[] transpose(double[] source, int offset, int rows, int columns) {
    float[] out = new float[rows * columns];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        out[c * rows + r] = (float) source[offset + r * columns + c];
      }
    }
    return out;
  }

  private static float[] slice(double[] source, int offset, int length) {
    float[] out = new float[length];
    for (int i = 0; i < length; i++) {
      out[i] = (float) source[offset + i];
    }
    return out;
  }
}
