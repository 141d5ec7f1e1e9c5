-- Trips and idle periods of machines. A session is emitted while open and once closed, with the same
-- sessionId; version grows with every update (pingCount * 2, +1 once closed), so ReplacingMergeTree
-- keeps the latest. startedAt never changes within a session, so it can sit in the sorting key:
-- "the trips of one machine in a period" reads one machine's range, in time order.
CREATE TABLE IF NOT EXISTS machine_sessions
(
    session_id UUID,
    machine_id LowCardinality(String),
    kind LowCardinality(String),
    state LowCardinality(String),
    started_at DateTime64(3, 'UTC'),
    ended_at DateTime64(3, 'UTC'),
    start_latitude Float64,
    start_longitude Float64,
    end_latitude Float64,
    end_longitude Float64,
    distance_meters Float64,
    max_speed_kmh Float32,
    ping_count UInt32,
    fuel_used_percent Nullable(Float32),
    version UInt64,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started_at)
ORDER BY (machine_id, started_at, session_id)
SETTINGS non_replicated_deduplication_window = 1000;
