package dev.oxagry.bench;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;

/**
 * The benchmark's two topologies on Apache Kafka Streams, as bench/src/streams/topologies.ts builds them
 * on @oxagry/streams:
 *
 * <ul>
 *   <li>stateless: keep pings with an accuracy of at most 50 m from a running or idling engine, round
 *       latitude and longitude to 5 decimals and speed to 0.1 km/h;
 *   <li>windowed: count pings per machine in 60 s tumbling windows with 10 s grace.
 * </ul>
 *
 * Started by the bench with `--name value` pairs; prints "STATE RUNNING" once running and stops cleanly on
 * SIGTERM.
 */
public final class StreamsBench {
  private StreamsBench() {}

  static final long WINDOW_SIZE_MS = 60_000;
  static final long WINDOW_GRACE_MS = 10_000;

  static double round(double value, double factor) {
    return Math.round(value * factor) / factor;
  }

  static boolean keep(GenericRecord ping) {
    return (double) ping.get("accuracyMeters") <= 50.0 && !"OFF".equals(ping.get("engineState").toString());
  }

  static GenericRecord reshape(GenericRecord ping) {
    GenericData.Record out = new GenericData.Record((GenericData.Record) ping, false);
    out.put("latitude", round((double) ping.get("latitude"), 1e5));
    out.put("longitude", round((double) ping.get("longitude"), 1e5));
    out.put("speedKmh", round((double) ping.get("speedKmh"), 10));
    return out;
  }

  static Topology topology(String scenario, String input, String output, ConfluentAvroSerde avro) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, GenericRecord> pings = builder.stream(input, Consumed.with(Serdes.String(), avro));
    switch (scenario) {
      case "stateless" ->
          pings
              .filter((k, v) -> keep(v))
              .mapValues(StreamsBench::reshape)
              .to(output, Produced.with(Serdes.String(), avro));
      case "windowed" ->
          pings
              .groupByKey()
              .windowedBy(TimeWindows.ofSizeAndGrace(
                  Duration.ofMillis(WINDOW_SIZE_MS), Duration.ofMillis(WINDOW_GRACE_MS)))
              .count()
              .toStream()
              .to(output, Produced.with(
                  WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW_SIZE_MS), Serdes.Long()));
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    return builder.build();
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
      out.put(args[i].substring(2), args[i + 1]);
    }
    for (String required :
        new String[] {"brokers", "input", "output", "scenario", "guarantee", "app-id", "schema", "schema-id",
          "commit-ms", "state-dir"}) {
      if (!out.containsKey(required)) throw new IllegalArgumentException("missing --" + required);
    }
    return out;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> a = parse(args);
    Schema schema = new Schema.Parser().parse(new File(a.get("schema")));
    ConfluentAvroSerde avro = new ConfluentAvroSerde(schema, Integer.parseInt(a.get("schema-id")));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, a.get("app-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("brokers"));
    props.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        a.get("guarantee").equals("exactly_once") ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, a.get("commit-ms"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, a.get("state-dir"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // The same topology as ours: window stores in memory, and every update forwarded (no record cache),
    // as @oxagry/streams has neither RocksDB nor a cache.
    props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, a.getOrDefault("cache-bytes", "0"));
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    KafkaStreams streams = new KafkaStreams(topology(a.get("scenario"), a.get("input"), a.get("output"), avro), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((next, previous) -> {
      System.out.println("STATE " + next);
      System.out.flush();
      if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }
}
