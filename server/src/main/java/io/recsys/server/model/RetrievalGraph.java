package io.recsys.server.model;

import io.recsys.server.model.onnx.OnnxProto.AttributeProto;
import io.recsys.server.model.onnx.OnnxProto.GraphProto;
import io.recsys.server.model.onnx.OnnxProto.ModelProto;
import io.recsys.server.model.onnx.OnnxProto.NodeProto;
import io.recsys.server.model.onnx.OnnxProto.OperatorSetIdProto;
import io.recsys.server.model.onnx.OnnxProto.StringStringEntryProto;
import io.recsys.server.model.onnx.OnnxProto.TensorProto;
import io.recsys.server.model.onnx.OnnxProto.TensorShapeProto;
import io.recsys.server.model.onnx.OnnxProto.TypeProto;
import io.recsys.server.model.onnx.OnnxProto.ValueInfoProto;

/**
 * The retrieval graph we export ourselves: {@code scores = U · M + b}, then {@code TopK} inside
 * the graph, so only the k best (score, index) pairs per user ever cross into Java.
 *
 * <p>The item matrix {@code M [d, N]} and the bias {@code b [N]} are declared as external
 * initializers: the serialized graph holds no weights, and every session gets its own tensors
 * through {@code SessionOptions.addExternalInitializers}. A catalog change or new weights is
 * therefore a new session over the same tiny graph, never a re-serialization of the matrix.
 */
public final class RetrievalGraph {
  /** Input: user state vectors, float {@code [B, d]}. */
  public static final String USER_VECTORS = "user_vectors";
  /** Input: how many items to keep per user, int64 {@code [1]}, at most N. */
  public static final String K = "k";
  /** Initializer: item matrix, float {@code [d, N]} (transposed so MatMul needs no transpose). */
  public static final String ITEM_MATRIX = "item_matrix";
  /** Initializer: per-item additive prior, float {@code [N]}. */
  public static final String ITEM_BIAS = "item_bias";
  /** Output: the k best scores per user, best first, float {@code [B, k]}. */
  public static final String TOP_SCORES = "top_scores";
  /** Output: catalog row of each of those scores, int64 {@code [B, k]}. */
  public static final String TOP_INDICES = "top_indices";

  static final int IR_VERSION = 8;
  static final int OPSET = 17;

  private RetrievalGraph() {}

  /** Serialized ONNX model for a catalog of {@code items} rows of dimension {@code dim}. */
  public static byte[] export(int dim, int items) {
    if (dim <= 0 || items <= 0) {
      throw new IllegalArgumentException("dim and items must be positive, got " + dim + ", " + items);
    }
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("recsys_retrieval")
            .addInput(floatInput(USER_VECTORS, "B", dim))
            .addInput(int64Input(K, 1))
            .addInitializer(externalFloat(ITEM_MATRIX, dim, items))
            .addInitializer(externalFloat(ITEM_BIAS, items))
            .addNode(node("MatMul", "user_item_dot", USER_VECTORS, ITEM_MATRIX))
            .addNode(node("Add", "scores", "user_item_dot", ITEM_BIAS))
            .addNode(
                NodeProto.newBuilder()
                    .setOpType("TopK")
                    .setName("top_k")
                    .addInput("scores")
                    .addInput(K)
                    .addOutput(TOP_SCORES)
                    .addOutput(TOP_INDICES)
                    .addAttribute(intAttribute("axis", -1))
                    .addAttribute(intAttribute("largest", 1))
                    .addAttribute(intAttribute("sorted", 1)))
            .addOutput(floatOutput(TOP_SCORES))
            .addOutput(int64Output(TOP_INDICES))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("recsys")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static NodeProto node(String op, String output, String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.build();
  }

  private static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  /** Declares a float initializer whose data the session receives from us, not from the file. */
  private static TensorProto externalFloat(String name, long... dims) {
    TensorProto.Builder tensor =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(name));
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    return tensor.build();
  }

  private static ValueInfoProto floatInput(String name, String batchDim, int width) {
    return valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dimParam(batchDim), dimValue(width));
  }

  private static ValueInfoProto int64Input(String name, int length) {
    return valueInfo(name, TensorProto.DataType.INT64_VALUE, dimValue(length));
  }

  private static ValueInfoProto floatOutput(String name) {
    return valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dimParam("B"), dimParam("k"));
  }

  private static ValueInfoProto int64Output(String name) {
    return valueInfo(name, TensorProto.DataType.INT64_VALUE, dimParam("B"), dimParam("k"));
  }

  private static TensorShapeProto.Dimension dimParam(String name) {
    return TensorShapeProto.Dimension.newBuilder().setDimParam(name).build();
  }

  private static TensorShapeProto.Dimension dimValue(long value) {
    return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
  }

  private static ValueInfoProto valueInfo(
      String name, int elementType, TensorShapeProto.Dimension... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (TensorShapeProto.Dimension dim : dims) {
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape)))
        .build();
  }
}
