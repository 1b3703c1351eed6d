extension Store {
    /// Deletes up to `limit` receipts of actions applied before `cutoff` (milliseconds since 1970), oldest first, in
    /// one transaction on the writer connection, and returns how many went.
    ///
    /// A receipt is what makes a retried action count once: the writer answers a known (citizen, client id) with
    /// the original outcome. Once its receipt is pruned, the same id names a new action, so the retention must
    /// outlast any retry (a page retries while it is open). Tallies, ratings and likes do not depend on receipts:
    /// `verify()` recomputes them from the rating and like rows.
    package func pruneReceipts(appliedBefore cutoff: Int64, limit: Int) throws -> Int {
        precondition(limit > 0, "limit must be positive")
        return try write { db in
            // Ties in time are broken by the key, so that SQLite and PostgreSQL delete the same receipts.
            try db.execute("""
                DELETE FROM applied_action WHERE (citizen, client_id) IN (
                    SELECT citizen, client_id FROM applied_action WHERE applied_at < ?1
                    ORDER BY applied_at, citizen, client_id LIMIT ?2)
                """, cutoff, limit)
        }
    }

    /// How many receipts are kept.
    package func receiptCount() throws -> Int {
        try read { db in try db.value(Int.self, "SELECT count(*) FROM applied_action") ?? 0 }
    }
}
