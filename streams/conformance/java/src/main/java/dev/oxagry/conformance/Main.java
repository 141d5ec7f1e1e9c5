package dev.oxagry.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Runs every scenario of a JSON file through Kafka Streams' TopologyTestDriver (String serdes, record
 * caches off, in-memory stores) and prints, as JSON, each output record with the index of the input
 * record that produced it. One JVM for the whole suite: start-up costs more than all scenarios.
 */
public final class Main {
  private Main() {}

  public static void main(final String[] args) throws Exception {
    final ObjectMapper json = new ObjectMapper();
    final JsonNode scenarios = json.readTree(new File(args[0]));
    final ArrayNode results = json.createArrayNode();
    for (final JsonNode scenario : scenarios) results.add(run(json, scenario));
    final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    out.println(json.writeValueAsString(results));
    out.flush();
  }

  private static Properties config(final String name) {
    final Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "conformance");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    // emitStrategy(onWindowClose) looks for closed windows on every record, as ours does (see the
    // streams README, "Choices"); Kafka's default throttles that to once a second of wall-clock time.
    props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/oxagry-conformance-" + name.hashCode());
    return props;
  }

  private static ObjectNode run(final ObjectMapper json, final JsonNode scenario) {
    final String name = scenario.get("name").asText();
    final ObjectNode result = json.createObjectNode();
    result.put("name", name);
    final ArrayNode records = result.putArray("records");
    try (TopologyTestDriver driver = new TopologyTestDriver(
        Topologies.build(scenario.get("topology").asText()), config(name), Instant.ofEpochMilli(0))) {
      final Map<String, TestInputTopic<String, String>> inputs = new LinkedHashMap<>();
      final Map<String, TestOutputTopic<byte[], byte[]>> outputs = new LinkedHashMap<>();
      final Map<String, JsonNode> formats = new LinkedHashMap<>();
      for (final JsonNode output : scenario.get("outputs")) {
        final String topic = output.get("topic").asText();
        outputs.put(topic, driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
        formats.put(topic, output);
      }
      int index = 0;
      for (final JsonNode input : scenario.get("inputs")) {
        final String topic = input.get("topic").asText();
        final TestInputTopic<String, String> in = inputs.computeIfAbsent(
            topic, t -> driver.createInputTopic(t, new StringSerializer(), new StringSerializer()));
        in.pipeInput(text(input.get("key")), text(input.get("value")), input.get("timestamp").asLong());
        for (final Map.Entry<String, TestOutputTopic<byte[], byte[]>> output : outputs.entrySet()) {
          for (final TestRecord<byte[], byte[]> record : output.getValue().readRecordsToList()) {
            final JsonNode format = formats.get(output.getKey());
            final ObjectNode r = records.addObject();
            r.put("after", index);
            r.put("topic", output.getKey());
            r.put("key", key(record.key(), format.get("key").asText()));
            r.put("value", value(record.value(), format.get("value").asText()));
            r.put("timestamp", record.timestamp());
          }
        }
        index++;
      }
    } catch (final RuntimeException e) {
      result.put("error", e.getClass().getName() + ": " + e.getMessage());
    }
    return result;
  }

  private static String text(final JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  /** The same canonical text src/compare.ts makes: key, key@start (time windows), key@start-end (sessions). */
  private static String key(final byte[] bytes, final String format) {
    if (bytes == null) return null;
    final ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return switch (format) {
      case "window" -> new String(bytes, 0, bytes.length - 8, StandardCharsets.UTF_8) + "@" + buffer.getLong(bytes.length - 8);
      case "session" -> new String(bytes, 0, bytes.length - 16, StandardCharsets.UTF_8)
          + "@" + buffer.getLong(bytes.length - 8) + "-" + buffer.getLong(bytes.length - 16);
      default -> new String(bytes, StandardCharsets.UTF_8);
    };
  }

  private static String value(final byte[] bytes, final String format) {
    if (bytes == null) return null;
    return "long".equals(format) ? Long.toString(ByteBuffer.wrap(bytes).getLong()) : new String(bytes, StandardCharsets.UTF_8);
  }
}
