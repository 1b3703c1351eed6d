import PostgresClient
import Synchronization
import TestSupport
import Testing

/// Statements and values against a real server, over a real socket.
@Suite struct PostgresConnectionTests {
    @Test(.needsPostgres) func bindsParametersAndAddsOne() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let result = try connection.run("SELECT $1::int + 1 AS answer", [.int(41)])
        #expect(result.columns == ["answer"])
        #expect(result.rows.count == 1)
        #expect(result.rows[0].count == 1)
        #expect(result.rows[0].int(0) == 42)
        #expect(result.rows[0].int(named: "answer") == 42)
        #expect(result.affectedRows == 1)  // SELECT 1
    }

    @Test(.needsPostgres) func querySyncWaitsForTheResult() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        #expect(try connection.querySync("SELECT $1::text || $2::text", [.text("last"), .text("word")]).rows[0].string(0) == "lastword")
        #expect(throws: PostgresError.self) { try connection.querySync("SELECT 1/0") }
    }

    @Test(.needsPostgres) func roundTripsTextNullBoolIntAndBytes() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let bytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x00, 0x5C, 0x27]
        let result = try connection.run(
            "SELECT $1::text AS t, $2::text AS n, $3::bool AS yes, $4::bool AS no, $5::bytea AS b, $6::int8 AS small, $7::int8 AS large, octet_length($5::bytea) AS length",
            [.text("hello"), .null, .bool(true), .bool(false), .bytes(bytes), .int(.min), .int(.max)]
        )
        let row = try #require(result.rows.first)
        #expect(result.columns == ["t", "n", "yes", "no", "b", "small", "large", "length"])
        #expect(row.string(named: "t") == "hello")
        #expect(row.isNull(named: "n"))
        #expect(row.string(named: "n") == nil)
        #expect(!row.isNull(named: "t"))
        #expect(row.bool(named: "yes") == true)
        #expect(row.bool(named: "no") == false)
        #expect(row.bytes(named: "b") == bytes)
        #expect(row.int(named: "small") == .min)
        #expect(row.int(named: "large") == .max)
        #expect(row.int(named: "length") == Int64(bytes.count))
        // Getters of another type give nil rather than a wrong value.
        #expect(row.int(named: "t") == nil)
        #expect(row.bytes(named: "t") == nil)
        #expect(row.bool(named: "large") == nil)
    }

    @Test(.needsPostgres) func roundTripsAMebibyteOfBytes() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<(1 << 20)).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        bytes[0] = 0x00
        bytes[1] = 0xFF
        bytes[bytes.count - 1] = 0x00
        _ = try connection.run("CREATE TABLE blobs (id int PRIMARY KEY, body bytea NOT NULL)")
        #expect(try connection.run("INSERT INTO blobs VALUES (1, $1)", [.bytes(bytes)]).affectedRows == 1)
        let row = try #require(try connection.run("SELECT body, octet_length(body) FROM blobs WHERE id = 1").rows.first)
        #expect(row.int(1) == 1 << 20)
        let back = try #require(row.bytes(0))
        #expect(back.count == bytes.count)
        #expect(back == bytes)
    }

    @Test(.needsPostgres) func roundTripsUnicodeText() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let text = "中文 Ελληνικά العربية ça 🗳️ 𝔘"
        let row = try #require(try connection.run("SELECT $1::text, char_length($1::text), octet_length($1::text)", [.text(text)]).rows.first)
        #expect(row.string(0) == text)
        #expect(row.int(1) == Int64(text.unicodeScalars.count))
        #expect(row.int(2) == Int64(text.utf8.count))
        // Through a table too, and matched by the server.
        _ = try connection.run("CREATE TABLE words (word text PRIMARY KEY)")
        _ = try connection.run("INSERT INTO words VALUES ($1)", [.text("中文")])
        #expect(try connection.run("SELECT count(*) FROM words WHERE word = $1", [.text("中文")]).rows[0].int(0) == 1)
    }

    @Test(.needsPostgres) func keepsAnInjectionAttemptAsData() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE notes (body text NOT NULL)")
        let hostile = "x'); DROP TABLE notes; --"
        #expect(try connection.run("INSERT INTO notes (body) VALUES ($1)", [.text(hostile)]).affectedRows == 1)
        #expect(try connection.run("SELECT body FROM notes WHERE body = $1", [.text("'; DROP TABLE notes; --")]).rows.isEmpty)
        let rows = try connection.run("SELECT body FROM notes").rows
        #expect(rows.map { $0.string(0) } == [hostile])
    }

    @Test(.needsPostgres) func returnsAHundredThousandRows() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let result = try connection.run("SELECT n, 'row ' || n AS label FROM generate_series(1, $1::int) AS n", [.int(100_000)])
        #expect(result.rows.count == 100_000)
        #expect(result.affectedRows == 100_000)
        #expect(result.rows[99_999].int(0) == 100_000)
        #expect(result.rows[41].string(named: "label") == "row 42")
    }

    @Test(.needsPostgres) func completesAThousandQueriesInSubmissionOrder() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let completions = Collected<(index: Int, value: Int64?, error: PostgresError?)>()
        for index in 0..<1000 {
            connection.query("SELECT $1::int * 2", [.int(Int64(index))]) { result in
                switch result {
                case .success(let result): completions.append((index, result.rows.first?.int(0), nil))
                case .failure(let error): completions.append((index, nil, error))
                }
            }
        }
        let all = try completions.wait(for: 1000)
        #expect(all.map(\.index) == Array(0..<1000))
        #expect(all.allSatisfy { $0.error == nil })
        #expect(all.allSatisfy { $0.value == Int64($0.index * 2) })
        // Every completion ran exactly once.
        #expect(completions.snapshot.count == 1000)
    }

    @Test(.needsPostgres) func reportsASyntaxErrorAsAServerErrorAndGoesOn() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let error = try connection.error("SELEC 1")
        #expect(error.kind == .server)
        #expect(error.sqlState == "42601")
        #expect(error.message == "syntax error at or near \"SELEC\"")
        #expect(error.description == "syntax error at or near \"SELEC\" (SQLSTATE 42601)")
        #expect(connection.isOpen)
        #expect(try connection.run("SELECT 1").rows[0].int(0) == 1)
    }

    @Test(.needsPostgres) func namesTheConstraintAndDetailOfAUniqueViolation() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        _ = try connection.run("CREATE TABLE items (id int PRIMARY KEY)")
        _ = try connection.run("INSERT INTO items VALUES (1)")
        let error = try connection.error("INSERT INTO items VALUES ($1)", [.int(1)])
        #expect(error.kind == .server)
        #expect(error.isUniqueViolation)
        #expect(error.isConstraintViolation)
        #expect(!error.isSerializationFailure)
        #expect(error.constraint == "items_pkey")
        #expect(error.message == "duplicate key value violates unique constraint \"items_pkey\". Key (id)=(1) already exists.")
    }

    @Test(.needsPostgres) func refusesANulByteInTextAndSQLOverTheLimitBeforeSending() throws {
        var limits = PostgresLimits()
        limits.maxSQLBytes = 64
        let (connection, _) = try PostgresTesting.connectToFreshDatabase(limits: limits)
        defer { connection.close() }
        let nul = try connection.error("SELECT $1::text", [.text("a\u{0}b")])
        #expect(nul.kind == .invalidStatement)
        #expect(nul.message.contains("parameter $1 holds a NUL byte"))
        let long = try connection.error("SELECT 1 -- " + String(repeating: "x", count: 64))
        #expect(long.kind == .invalidStatement)
        #expect(long.message.contains("over the limit of 64"))
        // The same bytes travel as .bytes, and the connection is untouched.
        #expect(try connection.run("SELECT $1::bytea", [.bytes([0x61, 0x00, 0x62])]).rows[0].bytes(0) == [0x61, 0x00, 0x62])
    }

    @Test(.needsPostgres) func sendsAStatementLargerThanTheSocketBuffers() throws {
        // 16 MiB of hex on the wire: PQflush leaves output over several writable events.
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let bytes = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let concurrent = Collected<Result<PostgresResult, PostgresError>>()
        connection.query("SELECT octet_length($1::bytea), get_byte($1::bytea, 0), get_byte($1::bytea, 8388607)", [.bytes(bytes)]) {
            concurrent.append($0)
        }
        connection.query("SELECT 'behind it'") { concurrent.append($0) }
        let results = try concurrent.wait(for: 2, seconds: 60)
        let row = try results[0].get().rows[0]
        #expect(row.int(0) == 8 << 20)
        #expect(row.int(1) == Int64(bytes[0]))
        #expect(row.int(2) == Int64(bytes[bytes.count - 1]))
        #expect(try results[1].get().rows[0].string(0) == "behind it")
    }

    @Test(.needsPostgres) func refusesCOPYWithoutLosingTheConnection() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let error = try connection.error("copy (SELECT 1) TO STDOUT")
        #expect(error.kind == .invalidStatement)
        #expect(connection.isOpen)
        #expect(try connection.run("SELECT 1").rows[0].int(0) == 1)
    }
}
