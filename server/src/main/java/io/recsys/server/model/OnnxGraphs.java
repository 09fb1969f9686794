package io.recsys.server.model;

import com.google.protobuf.ByteString;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small builders for the ONNX graphs we export: nodes, typed inputs and outputs, initializers. */
final class OnnxGraphs {
  static final int IR_VERSION = 8;
  static final int OPSET = 17;

  private OnnxGraphs() {}

  static byte[] model(GraphProto graph) {
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("recsys")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  static NodeProto node(String op, String output, String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.build();
  }

  static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  /** Declares a float initializer whose data each session receives from us, not from the file. */
  static TensorProto externalFloat(String name, long... dims) {
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

  /** A float initializer stored in the graph itself (for small weights). */
  static TensorProto floatTensor(String name, float[] values, long... dims) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      raw.putFloat(value);
    }
    TensorProto.Builder tensor =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(raw.array()));
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    return tensor.build();
  }

  static TensorProto int64Tensor(String name, long... values) {
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length)
        .addAllInt64Data(java.util.Arrays.stream(values).boxed().toList())
        .build();
  }

  static TensorShapeProto.Dimension dim(String name) {
    return TensorShapeProto.Dimension.newBuilder().setDimParam(name).build();
  }

  static TensorShapeProto.Dimension dim(long value) {
    return TensorShapeProto.Dimension.newBuilder().setDimValue(value).build();
  }

  static ValueInfoProto floatValue(String name, TensorShapeProto.Dimension... dims) {
    return valueInfo(name, TensorProto.DataType.FLOAT_VALUE, dims);
  }

  static ValueInfoProto int64Value(String name, TensorShapeProto.Dimension... dims) {
    return valueInfo(name, TensorProto.DataType.INT64_VALUE, dims);
  }

  private static ValueInfoProto valueInfo(String name, int elementType, TensorShapeProto.Dimension... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (TensorShapeProto.Dimension dim : dims) {
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elementType).setShape(shape)))
        .build();
  }
}
