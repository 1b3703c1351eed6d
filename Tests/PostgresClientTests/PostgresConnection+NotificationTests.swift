import PostgresClient
import TestSupport
import Testing

/// LISTEN/NOTIFY: notifications arrive on an idle connection, through the read source.
@Suite struct PostgresConnectionNotificationTests {
    @Test(.needsPostgres) func deliversAHundredNotificationsInOrder() throws {
        let (listener, url) = try PostgresTesting.connectToFreshDatabase()
        defer { listener.close() }
        let received = Collected<PostgresNotification>()
        listener.onNotification { received.append($0) }
        _ = try listener.run("LISTEN ch")

        let notifier = try PostgresTesting.connect(url)
        defer { notifier.close() }
        let notifierPID = try #require(try notifier.run("SELECT pg_backend_pid()").rows[0].int(0))
        // Submitted at once: each in its own transaction, so each is delivered on its own, in commit order.
        let sent = Collected<Result<PostgresResult, PostgresError>>()
        for index in 0..<100 {
            notifier.query("SELECT pg_notify('ch', $1)", [.text("message \(index)")]) { sent.append($0) }
        }
        #expect(try sent.wait(for: 100).allSatisfy { (try? $0.get()) != nil })

        let notifications = try received.wait(for: 100)
        #expect(notifications.map(\.payload) == (0..<100).map { "message \($0)" })
        #expect(notifications.allSatisfy { $0.channel == "ch" && Int64($0.senderPID) == notifierPID })
    }

    @Test(.needsPostgres) func deliversA7999BytePayloadIntact() throws {
        let (listener, url) = try PostgresTesting.connectToFreshDatabase()
        defer { listener.close() }
        let received = Collected<PostgresNotification>()
        listener.onNotification { received.append($0) }
        _ = try listener.run("LISTEN big")

        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let payload = String((0..<7999).map { alphabet[($0 * 7 + $0 / 36) % alphabet.count] })
        let notifier = try PostgresTesting.connect(url)
        defer { notifier.close() }
        _ = try notifier.run("SELECT pg_notify('big', $1)", [.text(payload)])
        // The server's limit is 8000 bytes: one more is refused, and nothing is delivered for it.
        let tooLong = try notifier.error("SELECT pg_notify('big', $1)", [.text(payload + "x")])
        #expect(tooLong.kind == .server)

        let notification = try received.single()
        #expect(notification.payload.utf8.count == 7999)
        #expect(notification.payload == payload)
        #expect(notification.channel == "big")
    }

    @Test(.needsPostgres) func deliversNotificationsBetweenResultsOnABusyConnection() throws {
        let (connection, _) = try PostgresTesting.connectToFreshDatabase()
        defer { connection.close() }
        let received = Collected<PostgresNotification>()
        connection.onNotification { received.append($0) }
        _ = try connection.run("LISTEN self")
        // Its own notifications, interleaved with results on the same connection.
        let results = Collected<Result<PostgresResult, PostgresError>>()
        for index in 0..<20 {
            connection.query("SELECT pg_notify('self', $1)", [.text("\(index)")]) { results.append($0) }
            connection.query("SELECT $1::int", [.int(Int64(index))]) { results.append($0) }
        }
        #expect(try results.wait(for: 40).allSatisfy { (try? $0.get()) != nil })
        #expect(try received.wait(for: 20).map(\.payload) == (0..<20).map { "\($0)" })
    }
}
