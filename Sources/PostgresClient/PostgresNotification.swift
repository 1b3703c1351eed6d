/// One NOTIFY (or `pg_notify`) received on a channel this connection LISTENs on.
package struct PostgresNotification: Sendable, Hashable {
    package let channel: String
    /// Up to 7,999 bytes (the server's limit), "" when the notifier gave none.
    package let payload: String
    /// The backend process of the session that sent it (`pg_backend_pid()` there).
    package let senderPID: Int32

    package init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }
}
