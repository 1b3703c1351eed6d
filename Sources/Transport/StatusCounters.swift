import Synchronization

/// Responses counted by status without a lock: one relaxed atomic increment per response, into a fixed table of the
/// statuses RFC 9110 registers (with 428, 429 and 431 from RFC 6585). Any other status counts as `other`, so the
/// table — and the metrics' label values — stay bounded whatever a handler answers.
package final class StatusCounters: Sendable {
    /// The statuses with a slot of their own, in slot order; slot `statuses.count` is `other`.
    package static let statuses: [Int] = [
        100, 101,
        200, 201, 202, 203, 204, 205, 206,
        300, 301, 302, 303, 304, 305, 307, 308,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 428, 429, 431,
        500, 501, 502, 503, 504, 505,
    ]

    /// `slotOf[status]` for 0…599: the slot, or `statuses.count` (other).
    private static let slotOf: [UInt8] = {
        var table = [UInt8](repeating: UInt8(statuses.count), count: 600)
        for (slot, status) in statuses.enumerated() { table[status] = UInt8(slot) }
        return table
    }()

    private let counts: InlineArray<48, Atomic<Int>>
    /// What the access log names as the route of a response counted here: a route's pattern (`/api/letters/:code`),
    /// never the request's path, or `(static)`, `(unrouted)`, `(transport)`.
    package let route: String

    package init(route: String = "(transport)") {
        self.route = route
        precondition(Self.statuses.count < 48, "StatusCounters: one slot more than statuses, for other")
        counts = InlineArray { _ in Atomic(0) }
    }

    @inline(__always)
    package func record(_ status: Int) {
        let slot = (0..<600).contains(status) ? Int(Self.slotOf[status]) : Self.statuses.count
        counts[slot].add(1, ordering: .relaxed)
    }

    /// The statuses counted so far (nil: other), with their counts; statuses never seen are left out.
    package func snapshot() -> [StatusCount] {
        var result: [StatusCount] = []
        for slot in 0...Self.statuses.count {
            let count = counts[slot].load(ordering: .relaxed)
            if count > 0 { result.append(StatusCount(status: slot < Self.statuses.count ? Self.statuses[slot] : nil, count: count)) }
        }
        return result
    }
}

/// Responses of one status (nil: a status without a slot of its own).
package struct StatusCount: Sendable, Equatable {
    package var status: Int?
    package var count: Int

    package init(status: Int?, count: Int) {
        self.status = status
        self.count = count
    }

    /// The status as a metric's label value: `200`, …, or `other`.
    package var label: String { status.map(String.init) ?? "other" }
}
