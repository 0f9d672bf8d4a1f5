package io.lckv.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.Version;
import org.junit.jupiter.api.Test;

class OnnxSchemaTest {

  @Test
  void schemaIsRecentEnoughForTheIrVersionTheConverterWrites() {
    // IR 10 (ONNX 1.16+) is what the converter writes; an older onnx.proto would lack its fields.
    assertTrue(Version.IR_VERSION_VALUE >= 10, "IR_VERSION " + Version.IR_VERSION_VALUE);
  }

  @Test
  void modelsRoundTripThroughTheWireFormat() throws Exception {
    ModelProto model =
        ModelProto.newBuilder()
            .setIrVersion(10)
            .setGraph(
                GraphProto.newBuilder()
                    .addNode(NodeProto.newBuilder().setOpType("Attention").setDomain("lckv")))
            .build();
    ModelProto back = ModelProto.parseFrom(model.toByteArray());
    assertEquals("lckv", back.getGraph().getNode(0).getDomain());
  }
}
