package io.recsys.server.learning;

import io.recsys.server.learning.store.ModelVersionRecord;
import io.recsys.server.model.ModelStoreFiles;
import io.recsys.server.model.ModelVersionInfo;
import io.recsys.server.storage.AtomicFiles;
import io.recsys.server.storage.DataDirectory;
import io.recsys.server.storage.RecordFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model versions in the data dir: each learned version's weights in {@code models/<version>.qnet}
 * (written atomically, checksummed), and the history of every version's state in an append-only
 * log, so a restart serves the last published version again. A weights file that is damaged or
 * foreign is refused with a reason; it never reaches serving. The store stays bounded: past the
 * {@link ModelRetention} limit the oldest versions are forgotten (their weights deleted, the
 * history compacted to one record per version kept).
 */
public final class ModelStore implements AutoCloseable {
  private static final String PAUSED_MARKER = "training-paused";

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ModelStore.class);

  private final TrainerLock lock; // null: the store of a data dir, under its lock
  private final Path directory;
  private final RecordFile history;
  private final ModelRetention retention;
  private final Map<String, ModelVersionInfo> versions = new LinkedHashMap<>();

  private ModelStore(Path directory, RecordFile history, ModelRetention retention, TrainerLock lock) {
    this.lock = lock;
    this.directory = directory;
    this.history = history;
    this.retention = retention;
  }

  /** With the default retention ({@value ModelRetention#DEFAULT_KEPT} versions kept). */
  public static ModelStore open(Path dataDir) throws IOException {
    return open(dataDir, new ModelRetention(ModelRetention.DEFAULT_KEPT));
  }

  /**
   * Opens the store, applies {@code retention} to what an earlier run left (a data dir from before
   * retention shrinks on its first start) and deletes weights files the history no longer names
   * (left by a crash between compacting the history and deleting them).
   */
  public static ModelStore open(Path dataDir, ModelRetention retention) throws IOException {
    Path directory = DataDirectory.modelsOf(dataDir);
    Files.createDirectories(directory);
    return openLocked(directory, retention, null); // the data dir's own lock keeps a second server out
  }

  /**
   * Opens a store that several replicas share ({@code --model-store}): they read its weights and
   * live-version pointer, this process is the one trainer that writes them. A lock file in it
   * refuses a second trainer.
   */
  public static ModelStore openShared(Path directory, ModelRetention retention) throws IOException {
    Files.createDirectories(directory);
    TrainerLock lock = TrainerLock.acquire(directory);
    try {
      return openLocked(directory, retention, lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static ModelStore openLocked(Path directory, ModelRetention retention, TrainerLock lock) throws IOException {
    List<ModelVersionRecord> records = new ArrayList<>();
    RecordFile history =
        RecordFile.open(
            directory.resolve("history.log"),
            bytes -> {
              try {
                records.add(ModelVersionRecord.parseFrom(bytes));
              } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("model history record passed its checksum but does not parse", e);
              }
            });
    ModelStore store = new ModelStore(directory, history, retention, lock);
    for (ModelVersionRecord record : records) {
      store.versions.put(record.getVersion(), toInfo(record));
    }
    try {
      boolean compacted = !store.applyRetention().isEmpty();
      if (!compacted && records.size() > 2 * store.versions.size() + 8) {
        store.compact(); // many state changes of few versions (pin, unpin, pin ...)
      }
      store.deleteOrphanedWeights();
      store.pointAtLiveIfUnpointed();
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /** Whether an operator paused training (directly, or by pinning a version); survives restarts. */
  public boolean trainingPaused() {
    return Files.exists(directory.resolve(PAUSED_MARKER));
  }

  /** Records the pause durably: the marker file exists exactly while training is paused. */
  public synchronized void setTrainingPaused(boolean paused) throws IOException {
    Path marker = directory.resolve(PAUSED_MARKER);
    if (paused) {
      AtomicFiles.writeString(marker, "training paused by an operator\n");
    } else if (Files.deleteIfExists(marker)) {
      AtomicFiles.syncDirectory(directory);
    }
  }

  /** Every version recorded, oldest first, in its latest state. */
  public synchronized List<ModelVersionInfo> versions() {
    return new ArrayList<>(versions.values());
  }

  /** Saves a learned version's weights; call before recording it as live. */
  public void saveWeights(String version, QNetwork network) throws IOException {
    ModelStoreFiles.writeWeights(weightsFile(version), network.toWeights());
  }

  /**
   * Loads a version's weights.
   *
   * @throws IOException naming the problem if the file is missing, truncated, damaged or foreign
   */
  public QNetwork loadWeights(String version) throws IOException {
    return QNetwork.of(ModelStoreFiles.readWeights(weightsFile(version)));
  }

  /**
   * Appends a state change to the history (durable before it returns), then forgets what the
   * retention no longer keeps.
   *
   * @return the versions forgotten, oldest first (usually none)
   */
  public synchronized List<String> record(ModelVersionInfo info) throws IOException {
    history.append(toRecord(info).toByteArray());
    versions.put(info.version(), info);
    if (info.state() == ModelVersionInfo.State.LIVE) {
      ModelStoreFiles.writeLivePointer(directory, info); // what replicas that follow this store serve
    }
    return applyRetention();
  }

  /** Forgets what the retention does not keep: the history first, so no kept record names deleted weights. */
  private List<String> applyRetention() throws IOException {
    List<String> forget = retention.toForget(new ArrayList<>(versions.values()));
    if (forget.isEmpty()) {
      return forget;
    }
    for (String version : forget) {
      versions.remove(version);
    }
    compact();
    for (String version : forget) {
      Files.deleteIfExists(weightsFile(version));
    }
    log.debug("Forgot model versions {} (keeping the newest {})", forget, retention.kept());
    return forget;
  }

  /** Rewrites the history as one record per version, in its latest state. */
  private void compact() throws IOException {
    List<byte[]> records = new ArrayList<>(versions.size());
    for (ModelVersionInfo info : versions.values()) {
      records.add(toRecord(info).toByteArray());
    }
    history.rewrite(records);
  }

  /** A store from before the live-version pointer existed gets one, naming the version its history says is live. */
  private void pointAtLiveIfUnpointed() throws IOException {
    if (ModelStoreFiles.readLivePointer(directory).isPresent()) {
      return;
    }
    ModelVersionInfo live = null;
    for (ModelVersionInfo info : versions.values()) {
      if (info.state() == ModelVersionInfo.State.LIVE) {
        live = info;
      }
    }
    if (live != null) {
      ModelStoreFiles.writeLivePointer(directory, live);
    }
  }

  private void deleteOrphanedWeights() throws IOException {
    try (var files = Files.list(directory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.matches("v[0-9]+\\.qnet") && !versions.containsKey(name.substring(0, name.length() - ".qnet".length()))) {
          Files.delete(file);
          log.info("Deleted {}: no model history entry names it", file);
        }
      }
    }
  }

  private Path weightsFile(String version) {
    return ModelStoreFiles.weightsFile(directory, version);
  }

  private static ModelVersionRecord toRecord(ModelVersionInfo info) {
    Instant at = info.createdAt();
    return ModelVersionRecord.newBuilder()
        .setVersion(info.version())
        .setState(info.state().ordinal())
        .setCreatedAtMicros(at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000)
        .setDescription(info.description())
        .build();
  }

  private static ModelVersionInfo toInfo(ModelVersionRecord record) {
    long micros = record.getCreatedAtMicros();
    return new ModelVersionInfo(
        record.getVersion(),
        ModelVersionInfo.State.values()[record.getState()],
        Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1_000),
        record.getDescription());
  }

  @Override
  public void close() throws IOException {
    try {
      history.close();
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }
}
