package dev.traceyard.collector.extension.filestorage;

import static dev.traceyard.collector.exporter.ExporterTesting.logs;
import static dev.traceyard.collector.exporter.ExporterTesting.metrics;
import static dev.traceyard.collector.exporter.ExporterTesting.traces;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.traceyard.collector.component.ComponentId;
import dev.traceyard.collector.data.Batch;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue.Entry;
import dev.traceyard.collector.exporter.exporterhelper.ExportQueue.Offer;
import dev.traceyard.collector.exporter.exporterhelper.QueueConfig;
import dev.traceyard.collector.extension.filestorage.FileStorageConfig.Fsync;
import dev.traceyard.collector.telemetry.SelfTelemetry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

@Timeout(120)
class PersistentQueueTest {
  private static final String EXPORTER = "otlp/test";

  @TempDir
  Path dir;

  private SelfTelemetry telemetry = SelfTelemetry.forTesting();
  private final List<PersistentQueue> open = new ArrayList<>();

  @AfterEach
  void stopAll() {
    open.forEach(PersistentQueue::stop);
  }

  private FileStorageConfig storage() {
    return FileStorageConfig.of(dir).withFsync(Fsync.NEVER, Duration.ofSeconds(1));
  }

  private PersistentQueue open(FileStorageConfig storage, long queueSize, QueueConfig.Sizer sizer) throws IOException {
    QueueConfig qc = new QueueConfig(true, 2, queueSize, sizer, false, ComponentId.of("file_storage"));
    PersistentQueue q = PersistentQueue.open(dir.resolve("q"), storage, qc, LoggerFactory.getLogger("test"),
        new QueueMetrics(telemetry, EXPORTER));
    open.add(q);
    return q;
  }

  private PersistentQueue open(FileStorageConfig storage) throws IOException {
    return open(storage, 100_000, QueueConfig.Sizer.REQUESTS);
  }

  /** Restarts in a fresh process, as far as the queue can tell: new telemetry, files reopened. */
  private PersistentQueue crashAndReopen(PersistentQueue q, FileStorageConfig storage) throws IOException {
    q.simulateCrash();
    open.remove(q);
    telemetry = SelfTelemetry.forTesting();
    return open(storage);
  }

  private static List<Entry> takeAll(ExportQueue q, int n) throws InterruptedException {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(q.take());
    }
    return out;
  }

  private static List<Object> requests(List<Entry> entries) {
    return entries.stream().map(e -> e.batch().request()).collect(Collectors.toList());
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("q"))) {
      return s.filter(p -> Segments.firstSeq(p) >= 0).sorted().collect(Collectors.toList());
    }
  }

  private List<Path> quarantined() throws IOException {
    Path qdir = dir.resolve("q").resolve(Segments.QUARANTINE_DIR);
    if (!Files.isDirectory(qdir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(qdir)) {
      return s.collect(Collectors.toList());
    }
  }

  private double metric(String name) {
    return telemetry.value(name, EXPORTER);
  }

  @Test
  void offeredBatchesAreTakenInOrderWithEverySignalIntact() throws Exception {
    PersistentQueue q = open(storage());
    List<Batch> batches = List.of(traces("a", 3), metrics("m", 2), logs("l", 4));
    for (Batch b : batches) {
      assertThat(q.offer(b)).isEqualTo(Offer.ACCEPTED);
    }
    assertThat(q.size()).isEqualTo(3);
    List<Entry> taken = takeAll(q, 3);
    assertThat(requests(taken)).containsExactlyElementsOf(batches.stream().map(Batch::request).toList());
    assertThat(taken.get(0).batch().itemCount()).isEqualTo(3);
    assertThat(q.size()).as("taken but not done still counts").isEqualTo(3);
    taken.forEach(Entry::done);
    assertThat(q.size()).isZero();
  }

  @Test
  void restartRedeliversEveryBatchNotDone_andNoneThatIsDone() throws Exception {
    PersistentQueue q = open(storage());
    List<Batch> batches = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      batches.add(traces("b" + i, 2));
      q.offer(batches.get(i));
    }
    List<Entry> taken = takeAll(q, 3);
    taken.get(0).done();
    taken.get(2).done();
    // taken[1] is being delivered when the process dies; batches 3..5 were never taken.

    PersistentQueue again = crashAndReopen(q, storage());

    assertThat(again.size()).isEqualTo(4);
    assertThat(requests(takeAll(again, 4))).containsExactly(batches.get(1).request(), batches.get(3).request(),
        batches.get(4).request(), batches.get(5).request());
    assertThat(metric("traceyard_exporter_queue_recovered_batches")).isEqualTo(4);
  }

  @Test
  void releasedEntryStaysForTheNextStart() throws Exception {
    PersistentQueue q = open(storage());
    Batch b = traces("kept", 1);
    q.offer(b);
    q.take().release();
    q.close();
    assertThat(q.take()).as("a closed durable queue hands out nothing more").isNull();
    q.stop();
    open.remove(q);

    PersistentQueue again = open(storage());
    assertThat(again.take().batch().request()).isEqualTo(b.request());
  }

  @Test
  void outOfOrderAcks_deleteASegmentOnlyOnceAllItsRecordsAreDone() throws Exception {
    Batch sample = traces("x000", 20);
    int recordSize = RecordFormat.HEADER_SIZE + sample.request().getSerializedSize();
    // Two records per segment.
    FileStorageConfig storage = storage().withSizes(100 * FileStorageConfig.MIB, Math.max(4096, 2L * recordSize + 1));
    int perSegment = (int) (storage.segmentSizeBytes() / recordSize);
    PersistentQueue q = open(storage);
    int n = perSegment * 2 + 1;
    for (int i = 0; i < n; i++) {
      q.offer(traces(String.format("x%03d", i), 20));
    }
    assertThat(segmentFiles()).hasSize(3);
    List<Entry> taken = takeAll(q, n);
    // Finish the second segment's records first, then the first's in reverse.
    for (int i = perSegment; i < 2 * perSegment; i++) {
      taken.get(i).done();
    }
    assertThat(segmentFiles()).hasSize(2);
    for (int i = perSegment - 1; i >= 1; i--) {
      taken.get(i).done();
      assertThat(segmentFiles()).hasSize(2);
    }
    taken.get(0).done();
    assertThat(segmentFiles()).hasSize(1);
    assertThat(q.diskBytes()).isEqualTo(recordSize);

    PersistentQueue again = crashAndReopen(q, storage);
    assertThat(again.size()).isEqualTo(1);
    assertThat(again.take().batch().request()).isEqualTo(taken.get(n - 1).batch().request());
  }

  @Test
  void doneTwiceAcknowledgesOnce() throws Exception {
    PersistentQueue q = open(storage());
    q.offer(traces("a", 1));
    q.offer(traces("b", 1));
    Entry e = q.take();
    e.done();
    e.done();
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void tornTailIsCutWithoutQuarantine() throws Exception {
    PersistentQueue q = open(storage());
    List<Batch> batches = List.of(traces("a", 5), traces("b", 5), traces("c", 5));
    for (Batch b : batches) {
      q.offer(b);
    }
    q.simulateCrash();
    open.remove(q);
    Path seg = segmentFiles().get(0);
    long validSize = Files.size(seg);
    // A crash in the middle of an append: the header and part of the payload made it to the file.
    byte[] next = RecordFormat.encode(99, traces("d", 5).signal(), 5, traces("d", 5).request().toByteArray()).array();
    Files.write(seg, java.util.Arrays.copyOf(next, next.length / 2), StandardOpenOption.APPEND);

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());

    assertThat(requests(takeAll(again, 3))).containsExactlyElementsOf(batches.stream().map(Batch::request).toList());
    assertThat(again.pendingCount()).isZero();
    assertThat(Files.size(seg)).isEqualTo(validSize);
    assertThat(quarantined()).isEmpty();
    assertThat(metric("traceyard_exporter_queue_truncated_bytes")).isEqualTo(next.length / 2);
    assertThat(metric("traceyard_exporter_queue_quarantined_segments")).isZero();
  }

  @Test
  void zerosLeftAtTheEndByAPowerLossAreATornTail() throws Exception {
    PersistentQueue q = open(storage());
    q.offer(traces("a", 2));
    q.simulateCrash();
    open.remove(q);
    Files.write(segmentFiles().get(0), new byte[4096], StandardOpenOption.APPEND);

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());
    assertThat(again.size()).isEqualTo(1);
    assertThat(quarantined()).isEmpty();
  }

  @Test
  void damagedMiddleRecordQuarantinesTheSegment_andDeliversEverythingElse() throws Exception {
    PersistentQueue q = open(storage());
    List<Batch> batches = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batches.add(traces("r" + i, 3));
      q.offer(batches.get(i));
    }
    takeAll(q, 1).get(0).done(); // batch 0 was delivered before the damage
    q.simulateCrash();
    open.remove(q);
    Path seg = segmentFiles().get(0);
    int recordSize = RecordFormat.HEADER_SIZE + batches.get(0).request().getSerializedSize();
    flipByte(seg, 2L * recordSize + RecordFormat.HEADER_SIZE + 10); // inside batch 2's payload

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());

    assertThat(requests(takeAll(again, 3))).containsExactly(batches.get(1).request(), batches.get(3).request(),
        batches.get(4).request());
    assertThat(again.pendingCount()).isZero();
    assertThat(quarantined()).hasSize(1);
    assertThat(quarantined().get(0).getFileName().toString()).startsWith(seg.getFileName().toString());
    assertThat(Files.exists(seg)).isFalse();
    assertThat(metric("traceyard_exporter_queue_quarantined_segments")).isEqualTo(1);
    assertThat(metric("traceyard_exporter_queue_quarantined_bytes")).isEqualTo(recordSize);

    // The rescued batches live in a fresh segment now: a second restart finds them once, no new quarantine.
    PersistentQueue third = crashAndReopen(again, storage());
    assertThat(third.size()).isEqualTo(3);
    assertThat(quarantined()).hasSize(1);
  }

  @Test
  void damagedLengthFieldDoesNotHideTheRecordsAfterIt() throws Exception {
    PersistentQueue q = open(storage());
    List<Batch> batches = List.of(traces("a", 3), traces("b", 3), traces("c", 3));
    batches.forEach(q::offer);
    q.simulateCrash();
    open.remove(q);
    Path seg = segmentFiles().get(0);
    flipByte(seg, 4); // first record's length: looks like it runs past the end

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());
    assertThat(requests(takeAll(again, 2))).containsExactly(batches.get(1).request(), batches.get(2).request());
    assertThat(quarantined()).hasSize(1);
  }

  @Test
  void segmentOfGarbageIsQuarantined_andStartStillSucceeds() throws Exception {
    PersistentQueue q = open(storage());
    Batch good = traces("good", 2);
    q.offer(good);
    q.simulateCrash();
    open.remove(q);
    byte[] garbage = new byte[10_000];
    new Random(42).nextBytes(garbage);
    Files.write(dir.resolve("q").resolve(Segments.name(1_000)), garbage);
    Files.createDirectory(dir.resolve("q").resolve(Segments.name(2_000))); // unreadable as a file

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());

    assertThat(again.take().batch().request()).isEqualTo(good.request());
    assertThat(metric("traceyard_exporter_queue_quarantined_segments")).isEqualTo(2);
    assertThat(quarantined()).hasSize(2);
  }

  @Test
  void damagedAcknowledgementLogRedeliversRatherThanLoses() throws Exception {
    PersistentQueue q = open(storage());
    q.offer(traces("a", 1));
    q.offer(traces("b", 1));
    q.offer(traces("c", 1));
    takeAll(q, 2).forEach(Entry::done);
    q.simulateCrash();
    open.remove(q);
    Path ackLog = dir.resolve("q").resolve(AckLog.FILE_NAME);
    flipByte(ackLog, Files.size(ackLog) - 3); // the last acknowledgement

    telemetry = SelfTelemetry.forTesting();
    PersistentQueue again = open(storage());
    assertThat(again.size()).as("one done batch comes again, the undone one is kept").isEqualTo(2);
  }

  @Test
  void sequenceNumbersAreNeverReusedAfterEverySegmentIsGone() throws Exception {
    PersistentQueue q = open(storage());
    q.offer(traces("a", 1));
    q.take().done();
    q.stop();
    open.remove(q);
    assertThat(segmentFiles()).isEmpty();

    PersistentQueue second = open(storage());
    Batch b = traces("b", 1);
    second.offer(b);
    PersistentQueue third = crashAndReopen(second, storage());
    assertThat(third.size()).as("the old acknowledgement must not cover the new batch").isEqualTo(1);
    assertThat(third.take().batch().request()).isEqualTo(b.request());
  }

  @Test
  void acknowledgementLogStaysSmallUnderSteadyTraffic() throws Exception {
    PersistentQueue q = open(storage().withSizes(100 * FileStorageConfig.MIB, 64 * 1024));
    Batch b = traces("steady", 1);
    for (int i = 0; i < 20_000; i++) {
      q.offer(b);
      q.take().done();
    }
    assertThat(Files.size(dir.resolve("q").resolve(AckLog.FILE_NAME)))
        .isLessThan(2L * 4096 * AckLog.ENTRY_SIZE + 64 * 1024);
    PersistentQueue again = crashAndReopen(q, storage());
    assertThat(again.size()).isZero();
  }

  @Test
  void overTheDiskQuotaOffersAreFull_counted_andAcceptedAgainOnceDelivered() throws Exception {
    FileStorageConfig storage = storage().withSizes(16 * 1024, 4096);
    PersistentQueue q = open(storage);
    int accepted = 0;
    Offer last;
    while ((last = q.offer(traces("fill", 10))) == Offer.ACCEPTED) {
      accepted++;
    }
    assertThat(last).isEqualTo(Offer.FULL);
    assertThat(accepted).isPositive();
    assertThat(q.diskBytes()).isLessThanOrEqualTo(16 * 1024);
    assertThat(q.offer(traces("fill", 10))).isEqualTo(Offer.FULL);
    assertThat(metric("traceyard_exporter_queue_quota_refused_batches")).isEqualTo(2);
    assertThat(telemetry.scrape()).contains("traceyard_exporter_queue_disk_quota_bytes{exporter=\"otlp/test\"} 16384");

    takeAll(q, accepted).forEach(Entry::done);
    assertThat(q.offer(traces("fill", 10))).isEqualTo(Offer.ACCEPTED);
  }

  @Test
  void batchLargerThanTheQuotaIsTooLarge() throws Exception {
    PersistentQueue q = open(storage().withSizes(8192, 4096));
    assertThat(q.offer(traces("huge", 500))).isEqualTo(Offer.TOO_LARGE);
  }

  @Test
  void queueSizeInItemsIsEnforcedToo() throws Exception {
    PersistentQueue q = open(storage(), 10, QueueConfig.Sizer.ITEMS);
    assertThat(q.offer(traces("a", 6))).isEqualTo(Offer.ACCEPTED);
    assertThat(q.offer(traces("b", 6))).isEqualTo(Offer.FULL);
    assertThat(q.offer(traces("c", 11))).isEqualTo(Offer.TOO_LARGE);
    assertThat(q.size()).isEqualTo(6);
  }

  @Test
  void offerWaitingWaitsForRoom() throws Exception {
    PersistentQueue q = open(storage(), 1, QueueConfig.Sizer.REQUESTS);
    q.offer(traces("a", 1));
    CompletableFuture<Offer> waiting = CompletableFuture.supplyAsync(() -> {
      try {
        return q.offerWaiting(traces("b", 1));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Entry e = q.take();
    assertThat(waiting).isNotDone();
    e.done();
    assertThat(waiting.get()).isEqualTo(Offer.ACCEPTED);
  }

  @ParameterizedTest
  @EnumSource(Fsync.class)
  void concurrentOffersAreAllRecovered_inEveryFsyncMode(Fsync fsync) throws Exception {
    FileStorageConfig storage = storage().withFsync(fsync, Duration.ofMillis(20)).withSizes(100 * FileStorageConfig.MIB, 8192);
    PersistentQueue q = open(storage);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Offer>> offers = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Batch b = traces("c" + i, 3);
        offers.add(pool.submit(() -> q.offer(b)));
      }
      for (Future<Offer> f : offers) {
        assertThat(f.get()).isEqualTo(Offer.ACCEPTED);
      }
    } finally {
      pool.shutdown();
    }
    if (fsync == Fsync.INTERVAL) {
      q.flush();
    }
    PersistentQueue again = crashAndReopen(q, storage);
    assertThat(again.size()).isEqualTo(200);
    assertThat(takeAll(again, 200)).extracting(e -> e.batch().itemCount()).containsOnly(3);
  }

  @Test
  void secondOpenOfTheSameDirectoryIsRefused() throws Exception {
    open(storage());
    assertThatThrownBy(() -> open(storage())).isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve("q").toString()).hasMessageContaining("in use");
  }

  @Test
  void takeWaitsForAnOffer_andReturnsNullOnceClosed() throws Exception {
    PersistentQueue q = open(storage());
    CompletableFuture<Entry> taker = CompletableFuture.supplyAsync(() -> {
      try {
        return q.take();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Batch b = traces("late", 1);
    q.offer(b);
    await().atMost(Duration.ofSeconds(30)).until(taker::isDone);
    assertThat(taker.get().batch().request()).isEqualTo(b.request());
    q.close();
    assertThat(q.offer(b)).isEqualTo(Offer.CLOSED);
    assertThat(q.take()).isNull();
  }

  private static void flipByte(Path file, long pos) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(pos);
      int v = f.read();
      f.seek(pos);
      f.write(v ^ 0xff);
    }
  }
}
