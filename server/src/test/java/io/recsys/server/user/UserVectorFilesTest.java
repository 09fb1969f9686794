package io.recsys.server.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserVectorFilesTest {
  @TempDir Path dir;

  @Test
  void loadsEveryUsersVectorAsTheirState() throws IOException {
    Path file = Files.writeString(dir.resolve("users.csv"), "user_id,v1,v2\nu1,0.5,-1\n\nu2, 2e-3 ,0\n");
    UserStateStore store = new UserStateStore(10, 2);

    int loaded = UserVectorFiles.load(file, store);

    assertThat(loaded).isEqualTo(2);
    assertThat(store.stateOf("u1").vectorView()).containsExactly(0.5f, -1f);
    assertThat(store.stateOf("u2").vectorView()).containsExactly(0.002f, 0f);
  }

  @Test
  void aMalformedLineNamesItsLineAndChangesNothing() throws IOException {
    UserStateStore store = new UserStateStore(10, 2);
    Path wrongDimension = Files.writeString(dir.resolve("a.csv"), "u1,1,0\nu2,1,0,0\n");
    Path notANumber = Files.writeString(dir.resolve("b.csv"), "u1,1,zero\n");
    Path infinite = Files.writeString(dir.resolve("c.csv"), "u1,1,Infinity\n");
    Path twice = Files.writeString(dir.resolve("d.csv"), "u1,1,0\nu1,0,1\n");
    Path longId = Files.writeString(dir.resolve("e.csv"), "x".repeat(257) + ",1,0\n");

    assertThatThrownBy(() -> UserVectorFiles.load(wrongDimension, store))
        .hasMessageEndingWith("a.csv:2: expected user_id and 2 values (the catalog's dimension), found 3 values");
    assertThatThrownBy(() -> UserVectorFiles.load(notANumber, store)).hasMessageContaining(":1: value #2 is not a number");
    assertThatThrownBy(() -> UserVectorFiles.load(infinite, store)).hasMessageContaining(":1: value #2 is not finite");
    assertThatThrownBy(() -> UserVectorFiles.load(twice, store)).hasMessageContaining(":2: user 'u1' appears twice");
    assertThatThrownBy(() -> UserVectorFiles.load(longId, store)).hasMessageContaining(":1: user_id must be 1 to 256 characters");
    assertThat(store.size()).isZero();
  }
}
