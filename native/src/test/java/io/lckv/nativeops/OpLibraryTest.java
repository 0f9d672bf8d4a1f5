package io.lckv.nativeops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.util.Map;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.Test;

class OpLibraryTest {

  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  @Test
  void extractsTheLibraryOnce() {
    assertTrue(Files.isRegularFile(OpLibrary.path()));
    assertEquals(OpLibrary.path(), OpLibrary.path());
  }

  @Test
  void ortRegistersTheLibraryAndRunsAModelImportingItsDomain() throws OrtException {
    byte[] model = identityModelImportingLckv();

    try (var options = new OrtSession.SessionOptions()) {
      OpLibrary.registerWith(options);
      try (OrtSession session = ENV.createSession(model, options);
          OnnxTensor x = OnnxTensor.createTensor(ENV, new float[] {1.5f, -2f});
          OrtSession.Result out = session.run(Map.of("x", x))) {
        float[] y = (float[]) out.get(0).getValue();
        assertEquals(1.5f, y[0]);
        assertEquals(-2f, y[1]);
      }
    }
  }

  /** y = Identity(x), with an opset import of the lckv domain as converted graphs carry. */
  private static byte[] identityModelImportingLckv() {
    TypeProto vector =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder()
                    .setElemType(TensorProto.DataType.FLOAT_VALUE)
                    .setShape(
                        TensorShapeProto.newBuilder()
                            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))))
            .build();
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("identity")
            .addInput(ValueInfoProto.newBuilder().setName("x").setType(vector))
            .addOutput(ValueInfoProto.newBuilder().setName("y").setType(vector))
            .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y"))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(OpLibrary.DOMAIN).setVersion(1))
        .setGraph(graph)
        .build()
        .toByteArray();
  }
}
