-- Ping facts for analysts: one row per GPS fix.
-- Queries are "the track of one machine between two times" and fleet-wide aggregates per day or month,
-- so rows are ordered by machine then time, and partitioned by month (a month of pings per partition
-- keeps part counts low and lets old months be dropped whole).
-- ReplacingMergeTree on the event's identity: a resent ping (same pingId, same eventTime) or a batch
-- written twice after a crash collapses to one row at merge time, and FINAL hides duplicates before.
-- non_replicated_deduplication_window makes insert_deduplication_token work on this non-replicated
-- table, so a retried batch does not even create the duplicate part.
CREATE TABLE IF NOT EXISTS machine_pings
(
    ping_id UUID,
    machine_id LowCardinality(String),
    sequence UInt64,
    event_time DateTime64(3, 'UTC'),
    latitude Float64,
    longitude Float64,
    speed_kmh Float32,
    heading_degrees Nullable(Float32),
    accuracy_meters Float32,
    engine_state LowCardinality(String),
    fuel_level_percent Nullable(Float32),
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(event_time)
ORDER BY (machine_id, event_time, ping_id)
SETTINGS non_replicated_deduplication_window = 1000;
