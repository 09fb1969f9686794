package io.recsys.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
  @TempDir Path dir;

  @Test
  void aSecondServerOnTheSameDirIsRefused() throws IOException {
    try (DataDirectory first = DataDirectory.open(dir)) {
      assertThatThrownBy(() -> DataDirectory.open(dir)).hasMessageContaining("is in use by another server process");
    }
  }

  @Test
  void theDirKeepsTheVectorSpaceItWasCreatedFor() throws IOException {
    try (DataDirectory data = DataDirectory.open(dir)) {
      data.requireVectorSpace("vector catalog of 64 dimensions");
    }
    try (DataDirectory data = DataDirectory.open(dir)) {
      data.requireVectorSpace("vector catalog of 64 dimensions");

      assertThatThrownBy(() -> data.requireVectorSpace("vector catalog of 32 dimensions"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds state for a vector catalog of 64 dimensions, but this start serves a vector catalog of 32 dimensions");
    }
    assertThat(dir.resolve("vector-space")).content().isEqualTo("vector catalog of 64 dimensions\n");
  }
}
