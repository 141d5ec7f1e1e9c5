package dev.oxagry.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format: magic byte 0, the writer schema's registry id (4 bytes, big-endian),
 * then the Avro binary body. Confluent's own serde is not on Maven Central, so this one takes the schema
 * and the id to write from the bench instead of asking the registry; every record it reads was written
 * with that same schema, so no resolution is needed.
 */
public final class ConfluentAvroSerde implements Serde<GenericRecord> {
  private static final byte MAGIC_BYTE = 0;
  private static final int HEADER_SIZE = 5;

  private final GenericDatumReader<GenericRecord> reader;
  private final GenericDatumWriter<GenericRecord> writer;
  private final int schemaId;

  public ConfluentAvroSerde(Schema schema, int schemaId) {
    this.reader = new GenericDatumReader<>(schema);
    this.writer = new GenericDatumWriter<>(schema);
    this.schemaId = schemaId;
  }

  @Override
  public Serializer<GenericRecord> serializer() {
    // Kafka Streams calls a serializer from its one stream thread; the encoder is reused per call.
    return new Serializer<>() {
      private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      private BinaryEncoder encoder;

      @Override
      public byte[] serialize(String topic, GenericRecord data) {
        if (data == null) return null;
        out.reset();
        out.write(MAGIC_BYTE);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array(), 0, 4);
        encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
        try {
          writer.write(data, encoder);
          encoder.flush();
        } catch (IOException e) {
          throw new SerializationException("Avro encoding failed for " + topic, e);
        }
        return out.toByteArray();
      }
    };
  }

  @Override
  public Deserializer<GenericRecord> deserializer() {
    return new Deserializer<>() {
      private BinaryDecoder decoder;

      @Override
      public GenericRecord deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length < HEADER_SIZE || data[0] != MAGIC_BYTE) {
          throw new SerializationException(topic + ": not Confluent-framed Avro");
        }
        decoder = DecoderFactory.get().binaryDecoder(data, HEADER_SIZE, data.length - HEADER_SIZE, decoder);
        try {
          return reader.read(null, decoder);
        } catch (IOException e) {
          throw new SerializationException("Avro decoding failed for " + topic, e);
        }
      }
    };
  }
}
