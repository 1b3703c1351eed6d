import PostgresClient
import Transport

/// What a store on PostgreSQL holds: event loops of its own for the database's connections (never the server's, so a
/// server loop that reads waits on another loop), the pool of reading and short-transaction connections, and the
/// single writer's connection.
final class PostgresEngine: Sendable {
    let loops: EventLoopGroup
    let pool: PostgresPool
    let writer: PostgresWriterDatabase

    init(url: String, poolSize: Int) throws(StorageError) {
        loops = EventLoopGroup(count: 2)
        do {
            pool = try PostgresPool(url: url, size: poolSize, loops: loops)
        } catch {
            loops.shutdown()
            throw error
        }
        writer = PostgresWriterDatabase(url: url, loop: loops.loops[0])
    }

    func close() {
        writer.close()
        pool.close()
    }
}
