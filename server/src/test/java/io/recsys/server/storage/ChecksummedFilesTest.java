package io.recsys.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChecksummedFilesTest {
  private static final long MAGIC = 0x54455354L;

  @TempDir Path dir;

  @Test
  void aBodyRoundTripsAndEveryKindOfDamageIsNamed() throws IOException {
    Path file = dir.resolve("f.bin");
    ChecksummedFiles.write(file, MAGIC, 3, out -> out.writeUTF("hello"));

    String body = ChecksummedFiles.read(file, MAGIC, 3, "a test file", in -> in.readUTF());
    assertThat(body).isEqualTo("hello");
    assertThatThrownBy(() -> ChecksummedFiles.read(file, MAGIC, 4, "a test file", in -> in.readUTF()))
        .hasMessageEndingWith("is not a test file of format 4");

    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 6] ^= 1; // inside the body
    Files.write(dir.resolve("flipped.bin"), bytes);
    Files.write(dir.resolve("short.bin"), java.util.Arrays.copyOf(bytes, bytes.length - 5));
    Files.copy(file, dir.resolve("long.bin"));
    Files.write(dir.resolve("long.bin"), new byte[] {0}, StandardOpenOption.APPEND);

    assertThatThrownBy(() -> ChecksummedFiles.read(dir.resolve("flipped.bin"), MAGIC, 3, "a test file", in -> in.readUTF()))
        .hasMessageEndingWith("fails its checksum");
    assertThatThrownBy(() -> ChecksummedFiles.read(dir.resolve("short.bin"), MAGIC, 3, "a test file", in -> in.readUTF()))
        .hasMessageEndingWith("is truncated");
    assertThatThrownBy(() -> ChecksummedFiles.read(dir.resolve("long.bin"), MAGIC, 3, "a test file", in -> in.readUTF()))
        .hasMessageEndingWith("fails its checksum");
    assertThatThrownBy(() -> ChecksummedFiles.read(dir.resolve("none.bin"), MAGIC, 3, "a test file", in -> in.readUTF()))
        .isInstanceOf(NoSuchFileException.class);
  }
}
