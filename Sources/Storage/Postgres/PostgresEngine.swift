import PostgresClient
import Synchronization
import Transport

/// What a store on PostgreSQL holds: event loops of its own for the database's connections (never the server's, so a
/// server loop that reads waits on another loop), the pool of reading and short-transaction connections, and the
/// single writer's connection.
final class PostgresEngine: Sendable {
    let loops: EventLoopGroup
    let pool: PostgresPool
    let writer: PostgresWriterDatabase
    let feed: ChangeFeed
    /// The feed's head when the live tallies were read (`Store.loadTallyBoard`).
    let feedStart = Mutex<Int64>(0)

    init(url: String, poolSize: Int) throws(StorageError) {
        loops = EventLoopGroup(count: 2)
        do {
            pool = try PostgresPool(url: url, size: poolSize, loops: loops)
        } catch {
            loops.shutdown()
            throw error
        }
        feed = ChangeFeed(url: url, loop: loops.loops[1])
        writer = PostgresWriterDatabase(url: url, feed: feed)
    }

    func close() {
        feed.stop()
        writer.close()
        pool.close()
    }

    /// Runs `body` in a transaction on a pool connection, opened by `begin` (`BEGIN`, or with an isolation level),
    /// committed when it returns and rolled back when it throws.
    func transaction<Value>(_ begin: String, _ body: (any SQLConnection) throws -> Value) throws -> Value {
        try pool.withConnection { connection in
            let sql = PostgresSQLConnection(connection: connection)
            try sql.execute(begin, [])
            do {
                let value = try body(sql)
                try sql.execute("COMMIT", [])
                return value
            } catch {
                if connection.isOpen { _ = try? connection.querySync("ROLLBACK") }
                throw error
            }
        }
    }
}
