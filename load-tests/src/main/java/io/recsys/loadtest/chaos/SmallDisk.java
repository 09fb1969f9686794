package io.recsys.loadtest.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small filesystem made for the run, the data dir's home: a tmpfs of a fixed size. Filling it
 * makes the kernel answer every write with ENOSPC, as a full disk does; deleting the filler gives
 * the room back.
 *
 * <p>Why tmpfs and not a loop-mounted image: it needs no loop device (containers, CI runners
 * often have none) and no image file on the real disk, and its ENOSPC is the kernel's own. What
 * it does not model is losing the page cache in a power cut; no fault of this run does (a killed
 * process leaves its written pages to the kernel), so nothing is lost by it.
 */
final class SmallDisk implements AutoCloseable {
  private final Path mountPoint;
  private Path filler;

  private SmallDisk(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  /** Mounts a tmpfs of {@code megabytes} at {@code mountPoint}; needs root. */
  static SmallDisk mount(Path mountPoint, int megabytes) throws IOException, InterruptedException {
    Files.createDirectories(mountPoint);
    run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", mountPoint.toString()));
    return new SmallDisk(mountPoint);
  }

  /** Why this machine cannot make one, or null if it can. */
  static String unavailableBecause() {
    return "root".equals(System.getProperty("user.name")) ? null : "mounting a tmpfs needs root";
  }

  Path path() {
    return mountPoint;
  }

  /** Writes a filler file until the filesystem refuses: from now on every write fails with ENOSPC. */
  void fill() throws IOException {
    filler = mountPoint.resolve("chaos-filler");
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      // No space left on device: what was wanted.
    }
  }

  /** Deletes the filler: room again. */
  void free() throws IOException {
    if (filler != null) {
      Files.deleteIfExists(filler);
      filler = null;
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    free();
    run(List.of("umount", "-l", mountPoint.toString()));
  }
}
