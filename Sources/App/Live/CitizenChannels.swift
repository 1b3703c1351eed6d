import Domain
import Storage
import Synchronization
import Transport

/// The open live pages of each citizen, so that what a citizen does in one tab (or over HTTP) shows at once in
/// their other tabs: their rating, its suggestion and their like (`{"type":"mine",…}`, docs/PROTOCOL.md).
///
/// A citizen with pages open has one `BroadcastGroup`; the message is encoded once and each loop queues it on its
/// own members. A single page is told nothing extra about a write it made itself: its acknowledgement already says
/// the same, so the common case (one phone, one page) costs one dictionary lookup per write. A write taken over HTTP,
/// or by another node (`ChangeOrigin.remote`), is told to every open page here, none of which has an acknowledgement.
package final class CitizenChannels: Sendable {
    private struct Channel {
        let group: BroadcastGroup
        var pages: Int
    }

    private let loops: EventLoopGroup
    private let channels = Mutex<[CitizenID: Channel]>([:])

    package init(loops: EventLoopGroup) {
        self.loops = loops
    }

    /// On the connection's loop, once its WebSocket is open.
    func join(_ connection: WebSocketConnection, citizen: CitizenID) {
        let group = channels.withLock { channels in
            var channel = channels[citizen] ?? Channel(group: BroadcastGroup(loops: loops), pages: 0)
            channel.pages += 1
            channels[citizen] = channel
            return channel.group
        }
        connection.join(group)
    }

    /// On the connection's loop, when it closes.
    func leave(_ connection: WebSocketConnection, citizen: CitizenID) {
        let group: BroadcastGroup? = channels.withLock { channels in
            guard var channel = channels[citizen] else { return nil }
            channel.pages -= 1
            if channel.pages <= 0 { channels[citizen] = nil } else { channels[citizen] = channel }
            return channel.group
        }
        if let group { connection.leave(group) }
    }

    /// Pages the citizen has open now.
    package func pages(of citizen: CitizenID) -> Int {
        channels.withLock { $0[citizen]?.pages ?? 0 }
    }

    /// Tells every open page of the receipt's citizen what their committed write changed. `.local(fromPage: true)`:
    /// the write came over one of those pages' WebSockets (which has its acknowledgement), so one page alone needs
    /// nothing. `.remote`: another node took it, so no page here has an acknowledgement and every one is told.
    func publish(_ receipt: WriteReceipt, citizen: CitizenID, origin: ChangeOrigin) {
        let acknowledgedHere = origin == .local(fromPage: true)
        let group: BroadcastGroup? = channels.withLock { channels in
            guard let channel = channels[citizen], channel.pages > (acknowledgedHere ? 1 : 0) else { return nil }
            return channel.group
        }
        guard let group else { return }
        let message = PreparedMessage(opcode: .text, payload: Self.encode(receipt))
        // A page too congested to take it is closed (1008) and, on reconnecting, reads its state afresh from
        // /api/session: dropping it silently would leave the page showing a rating the citizen has changed.
        group.broadcast(message, policy: .close)
    }

    /// `{"type":"mine","action":…,"project":…,"level":…,"suggestion":…,"liked":…}`
    static func encode(_ receipt: WriteReceipt) -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.field("type", "mine")
        json.field("action", receipt.action.rawValue)
        json.receiptFields(receipt)
        json.endObject()
        return json.bytes
    }
}
