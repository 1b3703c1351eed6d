@testable import PostgresClient
import Testing

/// libpq's texts in plain words, bytea's hex form and the shape of a transaction pipeline: no server needed.
@Suite struct LibPQMessageTests {
    @Test func readsARefusedConnectionPerAddress() {
        let text = """
            connection to server at "127.0.0.1", port 5 failed: Connection refused
            \tIs the server running on that host and accepting TCP/IP connections?
            connection to server at "db.example" (10.0.0.7), port 6 failed: FATAL:  database "nope" does not exist

            """
        let failures = LibPQMessage.connectionFailures(text)
        #expect(failures.map(\.address) == ["127.0.0.1:5", "db.example:6"])
        #expect(failures.map(\.reason) == ["connection refused", "database \"nope\" does not exist"])
    }

    @Test func readsASocketFailureAndALineWithoutAnAddress() {
        let socket = LibPQMessage.connectionFailures("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory\n")
        #expect(socket.map(\.address) == ["/tmp/.s.PGSQL.5432"])
        #expect(socket.map(\.reason) == ["no such file or directory"])
        let bare = LibPQMessage.connectionFailures("invalid URI query parameter: \"x\"\n")
        #expect(bare.map(\.address) == [nil])
        #expect(bare.map(\.reason) == ["invalid URI query parameter: \"x\""])
    }

    @Test func keepsTheFirstMeaningfulLineWithoutSeverityOrHints() {
        let text = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.\n"
        #expect(LibPQMessage.firstLine(text) == "server closed the connection unexpectedly")
        #expect(LibPQMessage.firstLine("FATAL:  terminating connection due to administrator command\n") == "terminating connection due to administrator command")
        #expect(LibPQMessage.firstLine("SSL SYSCALL error: EOF detected\n") == "SSL SYSCALL error: EOF detected")
    }

    @Test func bracketsAnIPv6Address() {
        #expect(LibPQMessage.address(host: "::1", port: "5432") == "[::1]:5432")
        #expect(LibPQMessage.address(host: "10.0.0.1", port: "5432") == "10.0.0.1:5432")
    }

    @Test func redactsThePasswordOfAURL() {
        let url = "postgres://app:s3cret@db:5432/x"
        #expect(LibPQMessage.redactingPassword(in: "bad URI: \"\(url)\"", url: url) == "bad URI: \"postgres://app:***@db:5432/x\"")
        #expect(LibPQMessage.redactingPassword(in: "text", url: "postgres://app@db/x") == "text")
    }

    @Test func encodesAndDecodesByteaHex() {
        var text = [UInt8]()
        PostgresParameter.appendByteaHex([0x00, 0xFF, 0x0A, 0xB7], to: &text)
        #expect(String(decoding: text, as: UTF8.self) == "\\x00ff0ab7")
        #expect(PostgresParameter.decodeByteaHex(Array("\\x00FF0ab7".utf8)) == [0x00, 0xFF, 0x0A, 0xB7])
        #expect(PostgresParameter.decodeByteaHex(Array("\\x".utf8)) == [])
        #expect(PostgresParameter.decodeByteaHex(Array("\\x0".utf8)) == nil)
        #expect(PostgresParameter.decodeByteaHex(Array("\\xzz".utf8)) == nil)
        #expect(PostgresParameter.decodeByteaHex(Array("abcd".utf8)) == nil)
    }

    @Test func recognisesASelfContainedTransactionPipeline() {
        func shape(_ sqls: [String]) -> Bool {
            TransactionShape.isSelfContained(sqls.map { ($0, [PostgresParameter]()) })
        }
        #expect(shape(["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]))
        #expect(shape(["  begin isolation level serializable", "UPDATE t SET x = 1", "commit;"]))
        #expect(shape(["START TRANSACTION", "END"]))
        #expect(!shape(["BEGIN", "INSERT INTO t VALUES (1)"]), "leaves the transaction open: the caller's")
        #expect(!shape(["INSERT INTO t VALUES (1)", "COMMIT"]))
        #expect(!shape(["BEGIN", "COMMIT AND CHAIN"]))
        #expect(!shape(["BEGIN"]))
    }

    @Test func classifiesSQLStates() {
        let unique = PostgresError(kind: .server, message: "m", sqlState: "23505")
        #expect(unique.isUniqueViolation && unique.isConstraintViolation && !unique.isSerializationFailure)
        let foreignKey = PostgresError(kind: .server, message: "m", sqlState: "23503")
        #expect(!foreignKey.isUniqueViolation && foreignKey.isConstraintViolation)
        let serialization = PostgresError(kind: .server, message: "m", sqlState: "40001")
        #expect(serialization.isSerializationFailure && !serialization.isConstraintViolation)
        #expect(PostgresError(kind: .connection, message: "lost").description == "lost")
    }
}
