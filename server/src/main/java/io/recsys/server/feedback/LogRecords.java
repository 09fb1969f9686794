package io.recsys.server.feedback;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.recsys.server.catalog.CatalogSnapshot;
import io.recsys.server.catalog.ItemIdList;
import io.recsys.server.feedback.log.FeedbackRecord;
import io.recsys.server.feedback.log.ImpressionRecord;
import io.recsys.server.feedback.log.LogRecord;
import io.recsys.server.user.ReactionType;
import java.io.IOException;
import java.util.function.IntFunction;

/**
 * The feedback log's two kinds of record and the domain values they stand for: written by the
 * feedback processor, read back by its replay and by off-policy evaluation
 * ({@code evaluation.LoggedImpressions}).
 */
public final class LogRecords {
  private LogRecords() {}

  /**
   * The impression's {@code LogRecord}, serialised: the same bytes as building the message and
   * calling {@code toByteArray()} (LogRecordsTest holds them equal), written straight into one
   * exactly sized array. A message builder would copy every candidate id reference into a list of
   * its own, grown as it goes, once per served list.
   */
  /** Whose record it is: the user of an impression or a reaction; "" for a record of neither kind. */
  public static String userOf(LogRecord record) {
    return switch (record.getKindCase()) {
      case IMPRESSION -> record.getImpression().getUserId();
      case FEEDBACK -> record.getFeedback().getUserId();
      default -> "";
    };
  }

  static byte[] encode(Impression impression) {
    int inner = impressionSize(impression);
    int size =
        (impression.timeMicros == 0 ? 0 : CodedOutputStream.computeInt64Size(LogRecord.SERVER_TIME_MICROS_FIELD_NUMBER, impression.timeMicros))
            + CodedOutputStream.computeTagSize(LogRecord.IMPRESSION_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(inner)
            + inner;
    byte[] bytes = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      if (impression.timeMicros != 0) {
        out.writeInt64(LogRecord.SERVER_TIME_MICROS_FIELD_NUMBER, impression.timeMicros);
      }
      out.writeTag(LogRecord.IMPRESSION_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(inner);
      writeString(out, ImpressionRecord.EVENT_ID_FIELD_NUMBER, impression.eventId);
      writeString(out, ImpressionRecord.USER_ID_FIELD_NUMBER, impression.userId);
      for (String item : impression.items) {
        out.writeString(ImpressionRecord.ITEM_IDS_FIELD_NUMBER, item);
      }
      if (impression.propensities.length > 0) { // packed, as proto3 writes a repeated float
        out.writeTag(ImpressionRecord.PROPENSITIES_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag(4 * impression.propensities.length);
        for (float propensity : impression.propensities) {
          out.writeFloatNoTag(propensity);
        }
      }
      writeString(out, ImpressionRecord.MODEL_VERSION_FIELD_NUMBER, impression.modelVersion);
      out.writeMessage(ImpressionRecord.USER_STATE_FIELD_NUMBER, impression.state);
      for (String candidate : impression.candidates) {
        out.writeString(ImpressionRecord.CANDIDATE_IDS_FIELD_NUMBER, candidate);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("an impression outgrew the size computed for it", e);
    }
    return bytes;
  }

  private static int impressionSize(Impression impression) {
    int size = stringSize(ImpressionRecord.EVENT_ID_FIELD_NUMBER, impression.eventId)
        + stringSize(ImpressionRecord.USER_ID_FIELD_NUMBER, impression.userId)
        + stringSize(ImpressionRecord.MODEL_VERSION_FIELD_NUMBER, impression.modelVersion)
        + CodedOutputStream.computeMessageSize(ImpressionRecord.USER_STATE_FIELD_NUMBER, impression.state);
    for (String item : impression.items) {
      size += CodedOutputStream.computeStringSize(ImpressionRecord.ITEM_IDS_FIELD_NUMBER, item);
    }
    if (impression.propensities.length > 0) {
      int packed = 4 * impression.propensities.length;
      size += CodedOutputStream.computeTagSize(ImpressionRecord.PROPENSITIES_FIELD_NUMBER) + CodedOutputStream.computeUInt32SizeNoTag(packed) + packed;
    }
    for (String candidate : impression.candidates) {
      size += CodedOutputStream.computeStringSize(ImpressionRecord.CANDIDATE_IDS_FIELD_NUMBER, candidate);
    }
    return size;
  }

  /** proto3 leaves an empty string out. */
  private static int stringSize(int field, String value) {
    return value.isEmpty() ? 0 : CodedOutputStream.computeStringSize(field, value);
  }

  private static void writeString(CodedOutputStream out, int field, String value) throws IOException {
    if (!value.isEmpty()) {
      out.writeString(field, value);
    }
  }

  /** @param reaction a valid reaction (its type is known) */
  static LogRecord of(Reaction reaction, long serverTimeMicros) {
    return LogRecord.newBuilder()
        .setServerTimeMicros(serverTimeMicros)
        .setFeedback(
            FeedbackRecord.newBuilder()
                .setEventId(reaction.eventId())
                .setUserId(reaction.userId())
                .setItemId(reaction.itemId())
                .setType(reaction.type().number())
                .setDwellSeconds(reaction.dwellSeconds())
                .setClientTimeMicros(reaction.clientTimeMicros()))
        .build();
  }

  /**
   * The impression a record logged, as an open one served at {@code timeMicros}, its candidates as
   * rows of {@code catalog} read back through {@code idOfRow} where the catalog has them all.
   */
  static Impression impressionOf(ImpressionRecord record, long timeMicros, CatalogSnapshot catalog, IntFunction<String> idOfRow) {
    float[] propensities = new float[record.getPropensitiesCount()];
    for (int i = 0; i < propensities.length; i++) {
      propensities[i] = record.getPropensities(i);
    }
    return new Impression(
        record.getEventId(), record.getUserId(), record.getItemIdsList(), ItemIdList.of(record.getCandidateIdsList(), catalog, idOfRow),
        propensities,
        record.getModelVersion(), timeMicros, record.getUserState());
  }

  /** The reaction a record logged; its type is null if the number is none this server knows. */
  public static Reaction reactionOf(FeedbackRecord record) {
    return new Reaction(
        record.getEventId(), record.getUserId(), record.getItemId(),
        ReactionType.fromNumber(record.getType()), record.getDwellSeconds(), record.getClientTimeMicros());
  }
}
