package io.recsys.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.recsys.client.RecsysClient;
import io.recsys.client.cli.RecsysCli;
import io.recsys.server.api.VectorCatalogServer;
import io.recsys.server.ops.ServerConfig;
import io.recsys.server.ops.TestCertificates;
import io.recsys.server.ops.TlsSettings;
import io.recsys.v1.GetStatusResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java CLI ({@code recsys-client.jar}) against a real server over a socket: what a newcomer
 * tries first (recommend, feedback, upsert, versions, pin, pause, resume), with tokens and with
 * mutual TLS, and the exit codes and one-line errors of what goes wrong.
 */
class RecsysCliTest {
  private static final String ADMIN_TOKEN = "cli-admin-token-0123456789";
  private static final String FEEDBACK_TOKEN = "cli-feedback-token-0123456789";
  private static final int DIMENSION = 8;

  @TempDir Path dir;
  private VectorCatalogServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var commandLine = RecsysCli.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  private void start(UnaryOperator<ServerConfig> settings) throws Exception {
    server = VectorCatalogServer.start(Files.createDirectories(dir.resolve("server")), 3, 50, DIMENSION, "item-", settings);
  }

  private String target() {
    return "--target=localhost:" + server.server.port();
  }

  @Test
  void aNewcomersSessionWithTokens() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), ADMIN_TOKEN + "\n" + FEEDBACK_TOKEN + " feedback\n");
    start(c -> c.toBuilder().tokenFile(tokens).build());
    Path adminToken = Files.writeString(dir.resolve("admin-token"), ADMIN_TOKEN + "\n");
    Path feedbackToken = Files.writeString(dir.resolve("feedback-token"), FEEDBACK_TOKEN + "\n");

    Run list = cli("recommend", target(), "--user=alice", "--k=5");
    assertThat(list.exitCode()).as(list.err()).isZero();
    Matcher event = Pattern.compile("^event (\\S+)").matcher(list.out());
    assertThat(event.find()).as(list.out()).isTrue();
    String eventId = event.group(1);
    List<String> items = itemIds(list.out());
    assertThat(items).hasSize(5);

    String[] like = {"feedback", target(), "--event=" + eventId, "--user=alice", "--item=" + items.get(1), "--type=LIKE"};
    Run withoutToken = cli(like);
    assertThat(withoutToken.exitCode()).isEqualTo(1);
    assertThat(withoutToken.err()).startsWith("error: UNAUTHENTICATED");
    assertThat(durable()).as("a refused reaction changes nothing").isZero();

    Run liked = cli(append(like, "--token-file=" + feedbackToken));
    assertThat(liked.exitCode()).as(liked.err()).isZero();
    assertThat(liked.out()).startsWith("accepted: like on " + items.get(1));
    Run again = cli(append(like, "--token-file=" + feedbackToken));
    assertThat(again.exitCode()).isZero();
    assertThat(again.out()).startsWith("duplicate");
    assertThat(durable()).isEqualTo(1);

    Run notInList = cli("feedback", target(), "--token-file=" + feedbackToken, "--event=" + eventId, "--user=alice", "--item=item-unknown");
    assertThat(notInList.exitCode()).isEqualTo(1);
    assertThat(notInList.err()).startsWith("rejected: click on item-unknown").contains("was not in impression");
    Run badType = cli("feedback", target(), "--event=" + eventId, "--user=alice", "--item=" + items.get(0), "--type=adore");
    assertThat(badType.exitCode()).isEqualTo(2);
    assertThat(badType.err()).startsWith("error: Invalid value for option '--type'").contains("--help").doesNotContain("Usage:");
    assertThat(durable()).isEqualTo(1);

    // Upserts: a good file lands whole; a file with one bad line sends nothing.
    Path good = Files.writeString(dir.resolve("items.jsonl"), itemLine("cli-new-1", "Dune") + "\n\n" + itemLine("cli-new-2", "Emma") + "\n");
    Run upserted = cli("upsert", target(), "--token=" + ADMIN_TOKEN, "--file=" + good);
    assertThat(upserted.exitCode()).as(upserted.err()).isZero();
    assertThat(upserted.out()).isEqualTo("catalog v2: 2 created, 0 updated\n");
    assertThat(server.client.getItem("cli-new-2").getTitle()).isEqualTo("Emma");
    Path bad = Files.writeString(dir.resolve("bad.jsonl"), itemLine("cli-new-3", "Ok") + "\n{\"item_id\":\"x\",\"colour\":\"red\"}\n");
    Run refused = cli("upsert", target(), "--token=" + ADMIN_TOKEN, "--file=" + bad);
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err()).startsWith("error: " + bad + ":2: not a recsys.v1.Item");
    Run missing = cli("upsert", target(), "--token=" + ADMIN_TOKEN, "--file=" + dir.resolve("nope.jsonl"));
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).startsWith("error: no such file");
    Run asFeedback = cli("upsert", target(), "--token-file=" + feedbackToken, "--file=" + good);
    assertThat(asFeedback.exitCode()).isEqualTo(1);
    assertThat(asFeedback.err()).startsWith("error: PERMISSION_DENIED");
    assertThat(status().getCatalogVersion()).as("only the good file changed the catalog").isEqualTo(2);

    // Operating it.
    Run versions = cli("versions", target(), "--token-file=" + adminToken);
    assertThat(versions.exitCode()).as(versions.err()).isZero();
    assertThat(versions.out()).containsPattern("(?m)^\\* v1 +live ");
    assertThat(cli("pause", target(), "--token-file=" + adminToken).out()).isEqualTo("training paused\n");
    assertThat(status().getTrainingPaused()).isTrue();
    assertThat(cli("resume", target(), "--token-file=" + adminToken).out()).isEqualTo("training running\n");
    assertThat(status().getTrainingPaused()).isFalse();
    Run pinned = cli("pin", target(), "--token-file=" + adminToken, "v1");
    assertThat(pinned.exitCode()).as(pinned.err()).isZero();
    assertThat(pinned.out()).startsWith("serving v1; training paused");
    assertThat(status().getTrainingPaused()).isTrue();
    Run unknown = cli("pin", target(), "--token-file=" + adminToken, "v999");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("error: NOT_FOUND");
    Run pauseAsFeedback = cli("pause", target(), "--token-file=" + feedbackToken);
    assertThat(pauseAsFeedback.exitCode()).isEqualTo(1);
    assertThat(pauseAsFeedback.err()).startsWith("error: PERMISSION_DENIED");
    Run statusJson = cli("status", target(), "--token=" + ADMIN_TOKEN);
    assertThat(statusJson.out()).contains("\"feedbackEventsDurable\": \"1\"");
  }

  @Test
  void filtersDeletesAndAUsersDataFromTheCommandLine() throws Exception {
    start(c -> c);
    Path genres = Files.writeString(dir.resolve("genres.jsonl"), itemLine("cli-sf", "Dune", "sf") + "\n" + itemLine("cli-crime", "Emma", "crime") + "\n");
    assertThat(cli("upsert", target(), "--file=" + genres).exitCode()).isZero();

    Run sf = cli("recommend", target(), "--user=carol", "--k=5", "--filter=genre=sf", "--explain");
    assertThat(sf.exitCode()).as(sf.err()).isZero();
    assertThat(itemIds(sf.out())).containsExactly("cli-sf");
    assertThat(sf.out()).contains("why: ");
    Run notSf = cli("recommend", target(), "--user=carol", "--k=100", "--filter=genre!=sf");
    assertThat(itemIds(notSf.out())).hasSize(51).contains("cli-crime").doesNotContain("cli-sf");
    Run unknownAttribute = cli("recommend", target(), "--user=carol", "--filter=colour=red");
    assertThat(unknownAttribute.exitCode()).isEqualTo(1);
    assertThat(unknownAttribute.err()).startsWith("error: INVALID_ARGUMENT").contains("colour");
    Run malformed = cli("recommend", target(), "--user=carol", "--filter=genre");
    assertThat(malformed.exitCode()).isEqualTo(2);
    assertThat(malformed.err()).contains("bad --filter");

    Run deleted = cli("delete-items", target(), "cli-crime");
    assertThat(deleted.exitCode()).as(deleted.err()).isZero();
    assertThat(deleted.out()).isEqualTo("catalog v3: 1 deleted\n");
    assertThat(cli("delete-items", target(), "cli-crime").out()).contains("not in the catalog (unknown or deleted before): cli-crime");
    assertThat(itemIds(cli("recommend", target(), "--user=carol", "--k=100").out())).doesNotContain("cli-crime");

    Run list = cli("recommend", target(), "--user=dave", "--k=5");
    Matcher event = Pattern.compile("^event (\\S+)").matcher(list.out());
    assertThat(event.find()).as(list.out()).isTrue();
    String item = itemIds(list.out()).get(0);
    Run liked = cli("feedback", target(), "--event=" + event.group(1), "--user=dave", "--item=" + item, "--type=LIKE");
    assertThat(liked.exitCode()).as(liked.err()).isZero();
    Run exported = cli("export-user", target(), "dave");
    assertThat(exported.exitCode()).as(exported.err()).isZero();
    assertThat(exported.out()).contains("\"found\": true").contains(event.group(1)).contains("\"type\": \"like\"");
    Run forgotten = cli("forget-user", target(), "dave");
    assertThat(forgotten.exitCode()).as(forgotten.err()).isZero();
    assertThat(forgotten.out()).startsWith("forgot dave: 2 log records and ").contains("audit id ");
    assertThat(cli("forget-user", target(), "dave").out()).startsWith("nothing stored about dave");
    assertThat(cli("export-user", target(), "dave").out()).contains("\"found\": false");
    Run empty = cli("forget-user", target(), "");
    assertThat(empty.exitCode()).isEqualTo(1);
    assertThat(empty.err()).startsWith("error: INVALID_ARGUMENT");
  }

  @Test
  void mutualTlsNeedsTheRightFilesAndSaysWhichAreMissing() throws Exception {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    TestCertificates.Leaf cert = TestCertificates.server(dir, ca);
    TestCertificates.Authority clientCa = TestCertificates.authority(dir, "clients");
    TestCertificates.Leaf client = TestCertificates.client(dir, clientCa, "cli");
    start(c -> c.toBuilder().tls(TlsSettings.of(cert.certFile(), cert.keyFile(), clientCa.certFile())).build());

    String[] tls = {target(), "--tls-ca=" + ca.certFile(), "--tls-cert=" + client.certFile(), "--tls-key=" + client.keyFile()};
    Run ok = cli(prepend("recommend", append(tls, "--user=bob", "--k=3")));
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(itemIds(ok.out())).hasSize(3);

    Run noCert = cli("recommend", target(), "--tls-ca=" + ca.certFile(), "--user=bob", "--deadline-ms=5000");
    assertThat(noCert.exitCode()).isEqualTo(1);
    assertThat(noCert.err()).startsWith("error: UNAVAILABLE");
    Run plaintext = cli("recommend", target(), "--user=bob", "--deadline-ms=5000");
    assertThat(plaintext.exitCode()).isEqualTo(1);
    Run keyless = cli("recommend", target(), "--tls-ca=" + ca.certFile(), "--tls-cert=" + client.certFile(), "--user=bob");
    assertThat(keyless.exitCode()).isEqualTo(2);
    assertThat(keyless.err()).startsWith("error: mutual TLS needs both --tls-cert and --tls-key");
    Run caless = cli("recommend", target(), "--tls-cert=" + client.certFile(), "--tls-key=" + client.keyFile(), "--user=bob");
    assertThat(caless.exitCode()).isEqualTo(2);
    assertThat(caless.err()).contains("needs --tls-ca");
  }

  private long durable() {
    return status().getFeedbackEventsDurable();
  }

  /** The server's status, asked with the admin token (the server may have tokens). */
  private GetStatusResponse status() {
    try (RecsysClient admin = RecsysClient.builder("localhost:" + server.server.port()).token(ADMIN_TOKEN).build()) {
      return admin.status();
    }
  }

  private static String itemLine(String id, String title, String genre) {
    String line = itemLine(id, title);
    return line.substring(0, line.length() - 1) + ",\"attributes\":{\"genre\":\"" + genre + "\"}}";
  }

  private static String itemLine(String id, String title) {
    String vector = IntStream.range(0, DIMENSION).mapToObj(i -> String.format(Locale.ROOT, "%.2f", (i % 3) * 0.1 - 0.1))
        .collect(Collectors.joining(","));
    return "{\"item_id\":\"" + id + "\",\"title\":\"" + title + "\",\"embedding\":[" + vector + "]}";
  }

  /** The item ids of a printed list: the second column of the rows after the header. */
  private static List<String> itemIds(String printed) {
    List<String> ids = new ArrayList<>();
    Matcher row = Pattern.compile("(?m)^ +\\d+ +(\\S+) ").matcher(printed);
    while (row.find()) {
      ids.add(row.group(1));
    }
    return ids;
  }

  private static String[] append(String[] args, String... more) {
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  private static String[] prepend(String first, String[] args) {
    return append(new String[] {first}, args);
  }
}
