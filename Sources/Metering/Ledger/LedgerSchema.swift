import GRDB

/// The ledger's schema and its migrations, from the first release on.
///
/// v1:
/// - `meter_record`: one row per stored record; `record_reference_id` unique (duplicates are
///   ignored); instants as integer milliseconds since 1970 UTC; `energy_wh` normalised from
///   the record's unit. Covering indexes serve interval queries over all devices
///   (`start_ms`, ...) and per device (`device_id`, `start_ms`, ...), and sessions.
/// - `ledger_meta`: key/value; `max_record_ms` bounds how far before a window a record
///   overlapping it can start, so interval queries scan only the window.
///
/// v2 (what the bridge needs to continue after a restart):
/// - `meter_record.counter_wh`: the charger's cumulative counter at `end_ms`, when it has one.
/// - `charging_session`: when a session was opened (plug-in) and closed (unplug); a session
///   without `closed_ms` is open.
///
/// v3 (found by `make chaos`: a bridge killed before a session's first record lost the energy
/// from plug-in to its first reading after the restart):
/// - `charging_session.opened_counter_wh`: the charger's counter when the session opened, the
///   baseline of a session that has no record with a counter yet.
///
/// v4 (live price sources: a restart without network still plans on what was received):
/// - `spot_price`: day-ahead prices as received, per source (`source`, e.g. `awattar DE-LU`),
///   `[start_ms, end_ms)` in the source's unit; rows of one source never overlap (a newer
///   row replaces the ones it overlaps).
///
/// v5-solar-wh (solar in the money):
/// - `meter_record.solar_wh`: the part of `energy_wh` a solar surplus covered (the record's
///   `solar_wh`); NULL where not known (records stored before, imports without it), priced as 0.
///
/// v6-house-profile (plans on the room the grid meter shows, docs/site.md):
/// - `house_quarter`: the house's average load per quarter-hour (`start_ms`), W, and how many
///   grid readings it is of; the bridge keeps 7 days and learns its usual load from them.
enum LedgerSchema {
    static let currentVersion = "v6-house-profile"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meter_record (
                    id INTEGER PRIMARY KEY,
                    record_reference_id TEXT NOT NULL UNIQUE,
                    device_id TEXT NOT NULL,
                    location_id TEXT,
                    session_reference_id TEXT,
                    direction TEXT NOT NULL CHECK (direction IN ('IMPORT', 'EXPORT')),
                    tariff_rate TEXT NOT NULL CHECK (tariff_rate IN ('IMPORT', 'EXPORT')),
                    measurand TEXT NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL CHECK (end_ms > start_ms),
                    energy_wh REAL NOT NULL CHECK (energy_wh >= 0)
                );
                CREATE INDEX meter_record_by_time
                    ON meter_record (start_ms, end_ms, tariff_rate, direction, energy_wh);
                CREATE INDEX meter_record_by_device_time
                    ON meter_record (device_id, start_ms, end_ms, tariff_rate, direction, energy_wh);
                CREATE INDEX meter_record_by_session
                    ON meter_record (session_reference_id, start_ms);
                CREATE TABLE ledger_meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value
                ) WITHOUT ROWID;
                INSERT INTO ledger_meta (key, value) VALUES ('max_record_ms', 0);
                """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE meter_record ADD COLUMN counter_wh REAL;
                CREATE TABLE charging_session (
                    session_reference_id TEXT PRIMARY KEY NOT NULL,
                    device_id TEXT NOT NULL,
                    location_id TEXT,
                    opened_ms INTEGER NOT NULL,
                    closed_ms INTEGER
                );
                CREATE INDEX charging_session_by_device ON charging_session (device_id, opened_ms);
                """)
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: "ALTER TABLE charging_session ADD COLUMN opened_counter_wh REAL")
        }
        migrator.registerMigration("v4") { db in
            try db.execute(sql: """
                CREATE TABLE spot_price (
                    source TEXT NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL CHECK (end_ms > start_ms),
                    price REAL NOT NULL,
                    received_ms INTEGER NOT NULL,
                    PRIMARY KEY (source, start_ms)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v5-solar-wh") { db in
            try db.execute(sql: "ALTER TABLE meter_record ADD COLUMN solar_wh REAL")
        }
        migrator.registerMigration("v6-house-profile") { db in
            try db.execute(sql: """
                CREATE TABLE house_quarter (
                    start_ms INTEGER PRIMARY KEY NOT NULL,
                    average_w REAL NOT NULL,
                    readings INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
