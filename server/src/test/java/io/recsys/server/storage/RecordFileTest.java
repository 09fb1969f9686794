package io.recsys.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordFileTest {
  @TempDir Path dir;

  @Test
  void replaysEveryAppendedRecordInOrder() throws IOException {
    Path file = dir.resolve("log");
    try (RecordFile log = RecordFile.open(file, record -> {})) {
      for (int i = 0; i < 100; i++) {
        log.append(("record-" + i).getBytes(StandardCharsets.UTF_8));
      }
    }

    List<String> replayed = replay(file);

    assertThat(replayed).hasSize(100).startsWith("record-0").endsWith("record-99");
  }

  @Test
  void aTornLastRecordIsCutOffAndEverythingBeforeItKept() throws IOException {
    Path file = dir.resolve("log");
    try (RecordFile log = RecordFile.open(file, record -> {})) {
      log.append(bytes("first"));
      log.append(bytes("second"));
      log.append(bytes("third, torn by a crash"));
    }
    long intact = Files.size(file) - 5;
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      raw.setLength(intact);
    }

    assertThat(replay(file)).containsExactly("first", "second");
    try (RecordFile log = RecordFile.open(file, record -> {})) {
      log.append(bytes("after recovery"));
    }
    assertThat(replay(file)).containsExactly("first", "second", "after recovery");
  }

  @Test
  void aCorruptRecordEndsTheReplayThere() throws IOException {
    Path file = dir.resolve("log");
    try (RecordFile log = RecordFile.open(file, record -> {})) {
      log.append(bytes("good"));
      log.append(bytes("flipped"));
      log.append(bytes("after"));
    }
    try (RandomAccessFile raw = new RandomAccessFile(file.toFile(), "rw")) {
      long payloadOfSecond = 8 + "good".length() + 8;
      raw.seek(payloadOfSecond);
      raw.write('F');
    }

    assertThat(replay(file)).containsExactly("good");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> replay(Path file) throws IOException {
    List<String> records = new ArrayList<>();
    RecordFile.open(file, record -> records.add(new String(record, StandardCharsets.UTF_8))).close();
    return records;
  }
}
