package io.recsys.server.model;

import static io.recsys.server.model.OnnxGraphs.intAttribute;
import static io.recsys.server.model.OnnxGraphs.node;

import io.recsys.server.model.onnx.OnnxProto.AttributeProto;
import io.recsys.server.model.onnx.OnnxProto.GraphProto;
import io.recsys.server.model.onnx.OnnxProto.NodeProto;

/**
 * How the retrieval stage picks the k best of its {@code scores [B, N]}: the same (score, row)
 * pairs either way, best first, equal scores in ascending row order, as ONNX Runtime's TopK.
 *
 * <p>{@link #FULL} is one ONNX Runtime TopK over all N scores inside the graph, what the graph did
 * before. It costs more than the MatMul that wrote the scores (4.8 of 7.7 ms at batch 64 over
 * 100,000 items here), and ONNX Runtime's TopK over short rows costs even more per score (a block
 * scheme built from TopK, ReduceMax and GatherND alone was slower than one TopK).
 *
 * <p>{@link #BLOCKED} reads the scores once inside the graph and leaves a little to Java: the
 * columns are cut into blocks of {@code b}, ONNX Runtime's ReduceMax keeps each block's maximum,
 * and the graph hands the scores and the maxima over in buffers we own (pinned outputs, no copy).
 * {@link BlockTopK} then finds the k best blocks by their maxima and the k best items among only
 * those blocks' k·b scores. It is exact: under the order "higher score, then lower row", an item
 * of the true top k whose block is not among the k best blocks would have k block maxima above its
 * own block's maximum, so k items above it. The catalog is padded to whole blocks with items that
 * score minus infinity (zero vectors, bias -inf), which are never taken.
 */
public enum TopKSelection {
  FULL,
  BLOCKED;

  /** The scores, float {@code [B, paddedItems]}: an output of a {@link #BLOCKED} graph. */
  public static final String SCORES = "scores";

  /** The input of {@link #exportAlone}: float {@code [B, paddedItems]}. */
  static final String GIVEN_SCORES = "given_scores";

  /** Below this many items one TopK over everything costs about as little: no blocks. */
  static final int MIN_BLOCKED_ITEMS = 4_096;
  /** The candidates per list a block size is chosen for (the server's default N). */
  private static final int TYPICAL_K = 200;

  /**
   * The block size for {@code items}: the power of two nearest {@code sqrt(items / 200)}, so the
   * TopK over block maxima ({@code items / b}) and the one over the chosen blocks ({@code 200 b})
   * are about the same size; 1 (no blocks) under {@link #MIN_BLOCKED_ITEMS} or for {@link #FULL}.
   */
  public int blockSize(int items) {
    if (this == FULL || items < MIN_BLOCKED_ITEMS) {
      return 1;
    }
    double ideal = Math.sqrt(items / (double) TYPICAL_K);
    return 1 << Math.max(1, Math.round(Math.log(ideal) / Math.log(2)));
  }

  /**
   * The server's choice for a session on {@code device} ({@link OnnxRuntime#deviceName}): blocked on
   * the CPU; on CUDA ONNX Runtime's TopK, which keeps the scores on the GPU instead of copying
   * {@code [B, N]} of them to host buffers every call.
   */
  public static TopKSelection forDevice(String device) {
    return "cpu".equals(device) ? BLOCKED : FULL;
  }

  /**
   * Whether the graph takes the bias as its item tensor's last row and a 1 at the end of each
   * user's input ({@link #BLOCKED}: one MatMul instead of ONNX Runtime's Gemm with a broadcast
   * bias, which costs a pass of its own); the graph and the model that feeds it both ask here.
   */
  boolean foldsBias() {
    return this == BLOCKED;
  }

  /** Whether a graph finished by {@link #finish} reads {@code k}: only one that ends in ONNX Runtime's TopK. */
  public boolean usesK(int items) {
    return blockSize(items) == 1;
  }

  /** The columns the item tensors must have: {@code items} rounded up to whole blocks. */
  public int paddedItems(int items) {
    int block = blockSize(items);
    return (items + block - 1) / block * block;
  }

  /** The block maxima a {@link #BLOCKED} graph also returns: float {@code [B, paddedItems / blockSize]}. */
  public static final String BLOCK_MAXIMA = "block_maxima";

  /**
   * Appends the nodes and outputs that finish a graph whose {@code scores [B,
   * paddedItems(items)]} are computed: for {@link #FULL} the k best ({@code values}, {@code
   * indices}); for {@link #BLOCKED} the scores themselves and {@link #BLOCK_MAXIMA}, for {@link
   * BlockTopK}.
   */
  void finish(GraphProto.Builder graph, int items, String scores, String k, String values, String indices) {
    int block = blockSize(items);
    if (block == 1) {
      graph
          .addNode(topK(scores, k, values, indices, true))
          .addOutput(OnnxGraphs.floatValue(values, OnnxGraphs.dim("B"), OnnxGraphs.dim("k")))
          .addOutput(OnnxGraphs.int64Value(indices, OnnxGraphs.dim("B"), OnnxGraphs.dim("k")));
      return;
    }
    int columns = paddedItems(items);
    graph
        .addInitializer(OnnxGraphs.int64Tensor("block_grid_shape", 0, columns / block, block))
        .addNode(node("Reshape", "block_grid", scores, "block_grid_shape"))
        .addNode(reduceMaxLastAxis("block_grid", BLOCK_MAXIMA))
        .addOutput(OnnxGraphs.floatValue(scores, OnnxGraphs.dim("B"), OnnxGraphs.dim(columns)))
        .addOutput(OnnxGraphs.floatValue(BLOCK_MAXIMA, OnnxGraphs.dim("B"), OnnxGraphs.dim(columns / block)));
  }

  /**
   * The selection alone as a graph: {@link #GIVEN_SCORES} and {@code k [1]} in,
   * what {@link #finish} gives out. For measuring and testing it on given scores.
   */
  byte[] exportAlone(int items) {
    GraphProto.Builder graph =
        GraphProto.newBuilder()
            .setName("recsys_top_k_" + name().toLowerCase(java.util.Locale.ROOT))
            .addInput(OnnxGraphs.floatValue(GIVEN_SCORES, OnnxGraphs.dim("B"), OnnxGraphs.dim(paddedItems(items))))
            .addInput(OnnxGraphs.int64Value(RetrievalGraph.K, OnnxGraphs.dim(1)))
            .addNode(node("Identity", SCORES, GIVEN_SCORES)); // a graph input cannot also be an output
    finish(graph, items, SCORES, RetrievalGraph.K, RetrievalGraph.TOP_SCORES, RetrievalGraph.TOP_INDICES);
    return OnnxGraphs.model(graph.build());
  }

  /** The k largest (or smallest) along the last axis, sorted; equal values in index order. */
  static NodeProto topK(String input, String k, String values, String indices, boolean largest) {
    return NodeProto.newBuilder()
        .setOpType("TopK")
        .setName("top_k_" + input + (largest ? "" : "_ascending"))
        .addInput(input)
        .addInput(k)
        .addOutput(values)
        .addOutput(indices)
        .addAttribute(intAttribute("axis", -1))
        .addAttribute(intAttribute("largest", largest ? 1 : 0))
        .addAttribute(intAttribute("sorted", 1))
        .build();
  }

  private static NodeProto reduceMaxLastAxis(String input, String output) {
    return node("ReduceMax", output, input).toBuilder()
        .addAttribute(ints("axes", -1))
        .addAttribute(intAttribute("keepdims", 0))
        .build();
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long value : values) {
      attribute.addInts(value);
    }
    return attribute.build();
  }
}
