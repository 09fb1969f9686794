package io.recsys.server.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.recsys.server.catalog.ItemEmbedder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The pretrained sentence encoder all-MiniLM-L6-v2 (fp32, 384-d), run in our own ONNX Runtime
 * session: WordPiece tokens in, {@code last_hidden_state} out, mean pooling over the real tokens,
 * L2 normalisation. The model file and tokenizer ship inside a Maven artifact, so the server
 * embeds fully offline.
 *
 * <p>Not the int8-quantised variant: its dynamic activation quantisation picks scales per batch,
 * so the same title embedded alone or beside a long one differed by up to 5e-3 per component. An
 * item's vector must not depend on which batch it arrived in.
 */
public final class MiniLmEmbedder implements ItemEmbedder {
  private static final String MODEL_RESOURCE = "/all-minilm-l6-v2.onnx";
  private static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-tokenizer.json";
  private static final int DIMENSION = 384;
  /** Titles and short descriptions fit; longer text is truncated (the model saw 128 in training). */
  private static final int MAX_TOKENS = 128;
  /** Texts per ONNX call; sorted by length first so a batch pads little. */
  private static final int BATCH = 32;

  private final HuggingFaceTokenizer tokenizer;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final OnnxRuntime runtime;

  private MiniLmEmbedder(
      OnnxRuntime runtime,
      HuggingFaceTokenizer tokenizer,
      OrtSession.SessionOptions options,
      OrtSession session) {
    this.runtime = runtime;
    this.tokenizer = tokenizer;
    this.options = options;
    this.session = session;
  }

  public static MiniLmEmbedder load(OnnxRuntime runtime) {
    try (InputStream tokenizerJson = resource(TOKENIZER_RESOURCE);
        InputStream model = resource(MODEL_RESOURCE)) {
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(
              tokenizerJson,
              Map.of(
                  "padding", "true",
                  "truncation", "true",
                  "maxLength", Integer.toString(MAX_TOKENS)));
      OrtSession.SessionOptions options = runtime.newSessionOptions();
      OrtSession session = runtime.environment().createSession(model.readAllBytes(), options);
      return new MiniLmEmbedder(runtime, tokenizer, options, session);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the MiniLM model from the classpath", e);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot load the MiniLM model into ONNX Runtime", e);
    }
  }

  private static InputStream resource(String name) throws IOException {
    InputStream stream = MiniLmEmbedder.class.getResourceAsStream(name);
    if (stream == null) {
      throw new IOException("missing classpath resource " + name);
    }
    return stream;
  }

  @Override
  public String modelId() {
    return "all-minilm-l6-v2/mean-pool/l2/max" + MAX_TOKENS;
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public float[][] embed(List<String> texts) {
    float[][] vectors = new float[texts.size()][];
    List<Integer> byLength = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      byLength.add(i);
    }
    byLength.sort(Comparator.comparingInt(i -> texts.get(i).length()));
    for (int start = 0; start < byLength.size(); start += BATCH) {
      List<Integer> batch = byLength.subList(start, Math.min(start + BATCH, byLength.size()));
      List<String> batchTexts = new ArrayList<>(batch.size());
      for (int i : batch) {
        batchTexts.add(texts.get(i));
      }
      float[][] batchVectors = embedBatch(batchTexts);
      for (int j = 0; j < batch.size(); j++) {
        vectors[batch.get(j)] = batchVectors[j];
      }
    }
    return vectors;
  }

  private float[][] embedBatch(List<String> texts) {
    Encoding[] encodings = tokenizer.batchEncode(texts);
    int rows = encodings.length;
    int length = encodings[0].getIds().length;
    long[] ids = new long[rows * length];
    long[] mask = new long[rows * length];
    long[] types = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(encodings[r].getIds(), 0, ids, r * length, length);
      System.arraycopy(encodings[r].getAttentionMask(), 0, mask, r * length, length);
      System.arraycopy(encodings[r].getTypeIds(), 0, types, r * length, length);
    }
    long[] shape = {rows, length};
    var env = runtime.environment();
    long start = System.nanoTime();
    try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor typeTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
        OrtSession.Result result =
            session.run(
                Map.of(
                    "input_ids", idTensor,
                    "attention_mask", maskTensor,
                    "token_type_ids", typeTensor))) {
      runtime.timings().record(OnnxTimings.Stage.EMBEDDER, start);
      FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
      return meanPoolAndNormalise(hidden, mask, rows, length);
    } catch (OrtException e) {
      throw new IllegalStateException("MiniLM inference failed", e);
    }
  }

  /** Averages the token vectors of real (unmasked) tokens and scales the mean to unit length. */
  private static float[][] meanPoolAndNormalise(
      FloatBuffer hidden, long[] mask, int rows, int length) {
    float[][] pooled = new float[rows][DIMENSION];
    for (int r = 0; r < rows; r++) {
      float[] sum = pooled[r];
      int tokens = 0;
      for (int t = 0; t < length; t++) {
        if (mask[r * length + t] == 0) {
          continue;
        }
        tokens++;
        int offset = (r * length + t) * DIMENSION;
        for (int d = 0; d < DIMENSION; d++) {
          sum[d] += hidden.get(offset + d);
        }
      }
      double norm = 0;
      for (int d = 0; d < DIMENSION; d++) {
        sum[d] /= Math.max(tokens, 1);
        norm += (double) sum[d] * sum[d];
      }
      float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int d = 0; d < DIMENSION; d++) {
        sum[d] *= scale;
      }
    }
    return pooled;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("closing the MiniLM session failed", e);
    } finally {
      options.close();
      tokenizer.close();
    }
  }
}
