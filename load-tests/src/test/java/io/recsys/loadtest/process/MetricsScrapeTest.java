package io.recsys.loadtest.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsScrapeTest {
  private static final String EXPOSITION =
      """
      # HELP jvm_gc_pause_seconds Time spent in GC pause
      # TYPE jvm_gc_pause_seconds histogram
      jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 3
      jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.05
      jvm_gc_pause_seconds_sum{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 0.25
      jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E8
      jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
      jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.0E8
      recsys_recommend_batches_total 42.0
      """;

  @Test
  void samplesAreSummedByNameOverTheirLabelsAndByLabel() {
    MetricsScrape scrape = MetricsScrape.parse(EXPOSITION);

    assertThat(scrape.sum("jvm_gc_pause_seconds_sum")).isEqualTo(0.30, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(scrape.sum("jvm_gc_pause_seconds_count")).isEqualTo(3);
    assertThat(scrape.sum("jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(3.0e8);
    assertThat(scrape.sum("jvm_memory_used_bytes")).isEqualTo(3.5e8);
    assertThat(scrape.sum("recsys_recommend_batches_total")).isEqualTo(42);
    assertThat(scrape.sum("recsys_absent_total")).isZero();
  }
}
