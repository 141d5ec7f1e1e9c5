package dev.oxagry.conformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.TableJoined;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.kstream.ValueTransformerWithKey;
import org.apache.kafka.streams.processor.ProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The named topologies of the conformance suite, as Kafka Streams builds them. Each one has a twin of
 * the same name in src/topologies.ts; the user functions are written to give the same answer in Java
 * and TypeScript (null-safe, ASCII, split keeping trailing empty parts).
 */
final class Topologies {
  private static final Serde<String> S = Serdes.String();
  private static final Serde<Long> L = Serdes.Long();
  private static final Serde<Windowed<String>> W10 = WindowedSerdes.timeWindowedSerdeFrom(String.class, 10);
  private static final Serde<Windowed<String>> SW = WindowedSerdes.sessionWindowedSerdeFrom(String.class);

  private Topologies() {}

  private static boolean startsWithA(final String v) {
    return v != null && v.startsWith("a");
  }

  private static String upper(final String v) {
    return v == null ? "-" : v.toUpperCase();
  }

  private static List<String> parts(final String v) {
    return v == null ? List.of() : Arrays.asList(v.split(",", -1));
  }

  private static String first(final String v) {
    return v == null || v.isEmpty() ? null : v.substring(0, 1);
  }

  private static long length(final String v) {
    return v == null ? 0 : v.length();
  }

  static Topology build(final String name) {
    final StreamsBuilder b = new StreamsBuilder();
    switch (name) {
      case "filter" -> in(b).filter((k, v) -> startsWithA(v)).to("out");
      case "filterNot" -> in(b).filterNot((k, v) -> startsWithA(v)).to("out");
      case "map" -> in(b).map((k, v) -> KeyValue.pair(v, k)).to("out");
      case "mapValues" -> in(b).mapValues(Topologies::upper).to("out");
      case "flatMap" -> in(b).flatMap((k, v) -> {
        final List<KeyValue<String, String>> out = new ArrayList<>();
        for (final String p : parts(v)) out.add(KeyValue.pair(p, k));
        return out;
      }).to("out");
      case "flatMapValues" -> in(b).flatMapValues(Topologies::parts).to("out");
      case "selectKey" -> in(b).selectKey((k, v) -> first(v)).to("out");
      case "peek" -> in(b).peek((k, v) -> { }).to("out");
      case "split" -> in(b).split(Named.as("s-"))
          .branch((k, v) -> startsWithA(v), Branched.withConsumer(s -> s.to("out-a"), "a"))
          .branch((k, v) -> v != null && v.startsWith("b"), Branched.withConsumer(s -> s.to("out-b"), "b"))
          .defaultBranch(Branched.withConsumer(s -> s.to("out-other"), "other"));
      case "merge" -> in(b).merge(b.stream("in2", Consumed.with(S, S))).to("out");
      case "repartition" -> in(b).repartition().to("out");

      case "count" -> in(b).groupByKey().count().toStream().to("out", Produced.with(S, L));
      case "groupByCount" -> in(b).groupBy((k, v) -> v).count().toStream().to("out", Produced.with(S, L));
      case "reduce" -> in(b).groupByKey().reduce((a, v) -> a + "+" + v).toStream().to("out");
      case "aggregate" -> in(b).groupByKey()
          .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(S, S))
          .toStream().to("out");
      case "sumLengths" -> in(b).groupByKey()
          .aggregate(() -> 0L, (k, v, agg) -> agg + length(v), Materialized.with(S, L))
          .toStream().to("out", Produced.with(S, L));
      case "countFilter" -> in(b).groupByKey().count()
          .filter((k, n) -> n % 2 == 0)
          .toStream().to("out", Produced.with(S, L));

      case "tumblingCount" -> windowed(in(b).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5))).count());
      case "tumblingNoGrace" -> windowed(in(b).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10))).count());
      case "hoppingCount" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)).advanceBy(Duration.ofMillis(5)))
          .count());
      case "tumblingReduce" -> in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .reduce((a, v) -> a + "+" + v)
          .toStream().to("out", Produced.with(W10, S));
      case "tumblingAggregate" -> in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(S, S))
          .toStream().to("out", Produced.with(W10, S));
      case "slidingCount" -> windowed(in(b).groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .count());
      case "slidingAggregate" -> in(b).groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(S, S))
          .toStream().to("out", Produced.with(W10, S));
      case "sessionCount" -> sessions(in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(5)))
          .count());
      case "sessionReduce" -> in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(5)))
          .reduce((a, v) -> a + "+" + v)
          .toStream().to("out", Produced.with(SW, S));
      case "sessionAggregate" -> in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(5)))
          .aggregate(() -> "", (k, v, agg) -> agg + v, (k, x, y) -> x + "|" + y, Materialized.with(S, S))
          .toStream().to("out", Produced.with(SW, S));
      case "emitCloseTumbling" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count());
      case "emitCloseNoGrace" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count());
      case "emitCloseHopping" -> in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)).advanceBy(Duration.ofMillis(5)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .aggregate(() -> "", (k, v, agg) -> agg + v,
              Materialized.<String, String, WindowStore<Bytes, byte[]>>with(S, S).withRetention(Duration.ofMillis(100)))
          .toStream().to("out", Produced.with(W10, S));
      case "emitCloseSliding" -> windowed(in(b).groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count());
      case "emitCloseSession" -> sessions(in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count());
      case "emitCloseSessionRetained" -> sessions(in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2)))
          .emitStrategy(EmitStrategy.onWindowClose())
          .count(Materialized.<String, Long, SessionStore<Bytes, byte[]>>with(S, L).withRetention(Duration.ofMillis(100))));
      case "suppressTimeLimit" -> in(b).groupByKey().count()
          .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(5), Suppressed.BufferConfig.unbounded()))
          .toStream().to("out", Produced.with(S, L));
      case "suppressTimeLimitMaxRecords" -> in(b).groupByKey().count()
          .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(20), Suppressed.BufferConfig.maxRecords(2)))
          .toStream().to("out", Produced.with(S, L));
      case "suppressTimeLimitMaxBytes" -> in(b).groupByKey().reduce((a, v) -> a + "+" + v)
          .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(20), Suppressed.BufferConfig.maxBytes(120)))
          .toStream().to("out");
      case "suppressTimeLimitTable" -> table(b).filter((k, v) -> startsWithA(v))
          .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(3), Suppressed.BufferConfig.maxRecords(3)))
          .toStream().to("out");
      case "suppressTimeLimitWindowed" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)).advanceBy(Duration.ofMillis(5)))
          .count()
          .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(4), Suppressed.BufferConfig.unbounded())));
      case "processValues" -> {
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("seen"), S, L));
        final KStream<String, String> numbered = in(b).processValues(Numbering::new, "seen");
        numbered.to("out");
        numbered.groupByKey().count().toStream().to("counts", Produced.with(S, L));
      }
      case "tableTransformValues" -> {
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("calls"), S, L));
        final KTable<String, String> transformed = table(b).transformValues(Counting::new, "calls");
        transformed.toStream().to("out");
        transformed.groupBy((k, v) -> KeyValue.pair(first(v) == null ? "" : first(v), v), Grouped.with(S, S))
            .count().toStream().to("counts", Produced.with(S, L));
      }
      case "tableTransformValuesMaterialized" -> {
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("calls"), S, L));
        table(b).transformValues(Counting::new,
                Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("transformed").withValueSerde(S), "calls")
            .filter((k, v) -> v.startsWith("a")).toStream().to("out");
      }
      case "storeScans", "storeScansPersistent" -> {
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("kv"), S, S));
        in(b).processValues(Scanning::new, "kv").to("out");
      }
      case "leftJoinSuppressed" -> { final KTable<String, String> t = table(b)
            .suppress(Suppressed.untilTimeLimit(Duration.ofMillis(5), Suppressed.BufferConfig.unbounded()));
        in(b).leftJoin(t, (v, x) -> v + "*" + x).to("out"); }
      case "suppressTumbling" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)))
          .count()
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())));
      case "suppressHopping" -> windowed(in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)).advanceBy(Duration.ofMillis(5)))
          .count()
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())));
      case "suppressSliding" -> windowed(in(b).groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(2)))
          .count()
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())));
      case "suppressSession" -> sessions(in(b).groupByKey()
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2)))
          .count()
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())));
      case "filterThenWindow" -> windowed(in(b).filter((k, v) -> startsWithA(v)).groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
          .count());

      case "tableToStream" -> table(b).toStream().to("out");
      case "toTable" -> in(b).toTable().toStream().to("out");
      case "tableFilter" -> table(b).filter((k, v) -> startsWithA(v)).toStream().to("out");
      case "tableFilterNamed" -> b.table("table", Consumed.with(S, S), Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("table-store"))
          .filter((k, v) -> startsWithA(v)).toStream().to("out");
      case "tableMapValues" -> table(b).mapValues(Topologies::upper).toStream().to("out");
      case "tableGroupByCount" -> table(b).groupBy((k, v) -> KeyValue.pair(v, v), Grouped.with(S, S))
          .count().toStream().to("out", Produced.with(S, L));
      case "tableGroupBySum" -> table(b).groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S))
          .aggregate(() -> 0L, (k, v, agg) -> agg + length(v), (k, v, agg) -> agg - length(v), Materialized.with(S, L))
          .toStream().to("out", Produced.with(S, L));
      case "tableGroupByReduce" -> table(b).groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S))
          .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v)
          .toStream().to("out");
      case "tableFilterGroupBy" -> table(b).filter((k, v) -> startsWithA(v))
          .groupBy((k, v) -> KeyValue.pair(v, v), Grouped.with(S, S))
          .count().toStream().to("out", Produced.with(S, L));

      case "join" -> { final KTable<String, String> t = table(b); in(b).join(t, (v, x) -> v + "*" + x).to("out"); }
      case "leftJoin" -> { final KTable<String, String> t = table(b); in(b).leftJoin(t, (v, x) -> v + "*" + x).to("out"); }
      case "selectKeyJoin" -> { final KTable<String, String> t = table(b);
        in(b).selectKey((k, v) -> first(v)).join(t, (v, x) -> v + "*" + x).to("out"); }
      case "globalJoin" -> { final GlobalKTable<String, String> g = b.globalTable("global", Consumed.with(S, S));
        in(b).join(g, (k, v) -> v, (v, x) -> v + "*" + x).to("out"); }
      case "globalLeftJoin" -> { final GlobalKTable<String, String> g = b.globalTable("global", Consumed.with(S, S));
        in(b).leftJoin(g, (k, v) -> v, (v, x) -> v + "*" + x).to("out"); }
      case "toExtractor" -> in(b).to((k, v, ctx) -> startsWithA(v) ? "out-a" : "out-other");
      case "mergeCount" -> in(b).merge(b.stream("in2", Consumed.with(S, S))).groupByKey().count()
          .toStream().to("out", Produced.with(S, L));
      case "hoppingAggregate" -> in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)).advanceBy(Duration.ofMillis(5)))
          .aggregate(() -> "", (k, v, agg) -> agg + v, Materialized.with(S, S))
          .toStream().to("out", Produced.with(W10, S));
      case "slidingReduce" -> in(b).groupByKey()
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .reduce((a, v) -> a + "+" + v)
          .toStream().to("out", Produced.with(W10, S));
      case "windowedCountFilter" -> in(b).groupByKey()
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .count()
          .filter((k, n) -> n % 2 == 0)
          .toStream().to("out", Produced.with(W10, L));
      case "countMapValues" -> in(b).groupByKey().count().mapValues(n -> n * 10)
          .toStream().to("out", Produced.with(S, L));
      case "tableFilterNot" -> table(b).filterNot((k, v) -> startsWithA(v)).toStream().to("out");
      case "tableMapValuesNamedFilter" -> table(b)
          .mapValues(Topologies::upper, Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("upper-store").withValueSerde(S))
          .filter((k, v) -> v.startsWith("A")).toStream().to("out");
      case "selectKeyLeftJoin" -> { final KTable<String, String> t = table(b);
        in(b).selectKey((k, v) -> first(v)).leftJoin(t, (v, x) -> v + "*" + x).to("out"); }
      case "streamJoin" -> in(b).join(in2(b), (v, o) -> v + "+" + o, JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(5)))
          .to("out");
      case "streamJoinGrace" -> in(b).join(in2(b), (k, v, o) -> k + ":" + v + "+" + o,
          JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(5), Duration.ofMillis(20))).to("out");
      case "streamLeftJoin" -> in(b).leftJoin(in2(b), (v, o) -> v + "+" + o,
          JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(5), Duration.ofMillis(3))).to("out");
      case "streamLeftJoinNoGrace" -> in(b).leftJoin(in2(b), (v, o) -> v + "+" + o,
          JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(5))).to("out");
      case "streamOuterJoin" -> in(b).outerJoin(in2(b), (v, o) -> v + "+" + o,
          JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(5), Duration.ofMillis(3))).to("out");
      case "streamOuterJoinBeforeAfter" -> in(b).outerJoin(in2(b), (v, o) -> v + "+" + o,
          JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(3)).before(Duration.ofMillis(1)).after(Duration.ofMillis(8)))
          .to("out");
      case "streamJoinAfterBefore" -> in(b).join(in2(b), (v, o) -> v + "+" + o,
          JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(4), Duration.ofMillis(2)).after(Duration.ofMillis(0)))
          .to("out");
      case "selectKeyStreamOuterJoin" -> in(b).selectKey((k, v) -> first(v))
          .outerJoin(in2(b), (v, o) -> v + "+" + o, JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(5), Duration.ofMillis(3)),
              StreamJoined.with(S, S, S).withName("sj").withStoreName("sj-store"))
          .to("out");
      case "tableJoin" -> table(b).join(table2(b), (v, o) -> v + "+" + o).toStream().to("out");
      case "tableLeftJoin" -> table(b).leftJoin(table2(b), (v, o) -> v + "+" + o).toStream().to("out");
      case "tableOuterJoin" -> table(b).outerJoin(table2(b), (v, o) -> v + "+" + o).toStream().to("out");
      case "tableJoinMaterializedFilter" -> table(b).join(table2(b), (v, o) -> v + "+" + o,
              Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("joined-store").withValueSerde(S))
          .filter((k, v) -> startsWithA(v)).toStream().to("out");
      case "tableLeftJoinGroupByCount" -> table(b).leftJoin(table2(b), (v, o) -> v + "+" + o)
          .groupBy((k, v) -> KeyValue.pair(first(v), v), Grouped.with(S, S))
          .count().toStream().to("out", Produced.with(S, L));
      case "tableOuterJoinFilter" -> table(b).outerJoin(table2(b), (v, o) -> v + "+" + o)
          .filter((k, v) -> startsWithA(v)).toStream().to("out");
      case "tableMapValuesJoin" -> table(b).mapValues(Topologies::upper).join(table2(b), (v, o) -> v + "+" + o)
          .toStream().to("out");
      case "tableLeftJoinFilterNotNamed" -> table(b).leftJoin(table2(b).filterNot((k, v) -> startsWithA(v)), (v, o) -> v + "+" + o,
              Named.as("lj")).toStream().to("out");
      case "cogroup" -> in(b).groupByKey().<String>cogroup((k, v, a) -> a + v)
          .cogroup(in2(b).groupByKey(), (k, v, a) -> a + "|" + v)
          .aggregate(() -> "", Materialized.with(S, S)).toStream().to("out");
      case "cogroupRekeyed" -> in(b).groupBy((k, v) -> first(v), Grouped.with(S, S)).<String>cogroup((k, v, a) -> a + v)
          .cogroup(in2(b).groupByKey(), (k, v, a) -> a + "|" + v)
          .aggregate(() -> "", Named.as("cg"), Materialized.with(S, S)).toStream().to("out");
      case "cogroupWindowed" -> in(b).groupByKey().<String>cogroup((k, v, a) -> a + v)
          .cogroup(in2(b).groupByKey(), (k, v, a) -> a + "|" + v)
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .aggregate(() -> "", Materialized.with(S, S)).toStream().to("out", Produced.with(W10, S));
      case "cogroupSliding" -> in(b).groupByKey().<String>cogroup((k, v, a) -> a + v)
          .cogroup(in2(b).groupByKey(), (k, v, a) -> a + "|" + v)
          .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .aggregate(() -> "", Materialized.with(S, S)).toStream().to("out", Produced.with(W10, S));
      case "cogroupSession" -> in(b).groupByKey().<String>cogroup((k, v, a) -> a + v)
          .cogroup(in2(b).groupByKey(), (k, v, a) -> a + "|" + v)
          .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2)))
          .aggregate(() -> "", (k, x, y) -> x + "&" + y, Materialized.with(S, S)).toStream().to("out", Produced.with(SW, S));
      case "fkJoin" -> table(b).join(table2(b), v -> first(v), (v, o) -> v + "+" + o).toStream().to("out");
      case "fkLeftJoin" -> table(b).leftJoin(table2(b), v -> first(v), (v, o) -> v + "+" + o).toStream().to("out");
      case "fkJoinNamed" -> table(b).join(table2(b), v -> first(v), (v, o) -> v + "+" + o, TableJoined.as("fk"),
              Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("fk-store").withValueSerde(S))
          .toStream().to("out");
      case "fkLeftJoinFilter" -> table(b).leftJoin(table2(b).filter((k, v) -> !v.startsWith("x")), v -> first(v), (v, o) -> v + "+" + o)
          .filter((k, v) -> v.endsWith("null")).toStream().to("out");
      case "streamSelfJoin" -> { final KStream<String, String> s = in(b);
        s.join(s, (v, o) -> v + "+" + o, JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(3))).to("out"); }
      case "reduceOuterJoinReduce" -> in(b).groupByKey().reduce((a, v) -> a + v)
          .outerJoin(in2(b).groupByKey().reduce((a, v) -> a + v), (v, o) -> v + "+" + o)
          .filter((k, v) -> v.length() < 12).toStream().to("out");
      case "streamJoinTableOuterJoin" -> { final KTable<String, String> t = table(b).outerJoin(table2(b), (v, o) -> v + "+" + o)
          .filter((k, v) -> !v.startsWith("b"));
        in(b).join(t, (v, x) -> v + "*" + x).to("out"); }
      case "windowedCountLeftJoin" -> in(b).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
          .count()
          .leftJoin(in2(b).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5))).count(),
              (x, y) -> x + "+" + y)
          .toStream().to("out", Produced.with(W10, S));
      case "sessionCountOuterJoin" -> in(b).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2)))
          .count()
          .outerJoin(in2(b).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(5), Duration.ofMillis(2))).count(),
              (x, y) -> x + "+" + y)
          .toStream().to("out", Produced.with(SW, S));
      default -> throw new IllegalArgumentException("no topology named " + name);
    }
    return b.build();
  }

  private static KStream<String, String> in(final StreamsBuilder b) {
    return b.stream("in", Consumed.with(S, S));
  }

  private static KStream<String, String> in2(final StreamsBuilder b) {
    return b.stream("in2", Consumed.with(S, S));
  }

  private static KTable<String, String> table2(final StreamsBuilder b) {
    return b.table("table2", Consumed.with(S, S));
  }

  private static KTable<String, String> table(final StreamsBuilder b) {
    return b.table("table", Consumed.with(S, S));
  }

  private static void windowed(final KTable<Windowed<String>, Long> table) {
    table.toStream().to("out", Produced.with(W10, L));
  }

  private static void sessions(final KTable<Windowed<String>, Long> table) {
    table.toStream().to("out", Produced.with(SW, L));
  }


  /** Numbers each key's values in the store "seen" (a null key is not stored); the twin of numbering(). */
  private static final class Numbering implements FixedKeyProcessor<String, String, String> {
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, Long> seen;

    @Override
    public void init(final FixedKeyProcessorContext<String, String> context) {
      this.context = context;
      this.seen = context.getStateStore("seen");
    }

    @Override
    public void process(final FixedKeyRecord<String, String> r) {
      if (r.key() == null) {
        context.forward(r.withValue(r.value() + "#0"));
        return;
      }
      final Long before = seen.get(r.key());
      final long n = (before == null ? 0 : before) + 1;
      seen.put(r.key(), n);
      context.forward(r.withValue(r.value() + "#" + n).withTimestamp(r.timestamp() + n));
    }
  }

  /** Counts its calls per key in the store "calls"; the twin of counting(). */
  private static final class Counting implements ValueTransformerWithKey<String, String, String> {
    private KeyValueStore<String, Long> calls;

    @Override
    public void init(final ProcessorContext context) {
      this.calls = context.getStateStore("calls");
    }

    @Override
    public String transform(final String key, final String value) {
      final Long before = calls.get(key);
      final long n = (before == null ? 0 : before) + 1;
      calls.put(key, n);
      return value == null ? null : value + "@" + n;
    }

    @Override
    public void close() {}
  }

  /** Keeps each key's value in "kv" and answers with range, reverseRange and prefixScan walks; the twin of scanning(). */
  private static final class Scanning implements FixedKeyProcessor<String, String, String> {
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, String> kv;

    @Override
    public void init(final FixedKeyProcessorContext<String, String> context) {
      this.context = context;
      this.kv = context.getStateStore("kv");
    }

    private static String keys(final KeyValueIterator<String, String> it) {
      final List<String> out = new ArrayList<>();
      try (it) {
        while (it.hasNext()) out.add(it.next().key);
      }
      return String.join(",", out);
    }

    @Override
    public void process(final FixedKeyRecord<String, String> r) {
      if (r.key() == null) {
        context.forward(r.withValue("-"));
        return;
      }
      kv.put(r.key(), r.value());
      final String answer = String.join("|",
          keys(kv.range("a", "b")),
          keys(kv.reverseRange(null, "ab")),
          keys(kv.range("b", "a")),
          keys(kv.prefixScan(r.key().substring(0, Math.min(1, r.key().length())), new StringSerializer())),
          keys(kv.all()));
      context.forward(r.withValue(answer));
    }
  }
}
