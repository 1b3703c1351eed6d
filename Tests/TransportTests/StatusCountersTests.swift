import HTTP1
import TestSupport
import Testing
import Transport

@Suite struct StatusCountersTests {
    @Test func countsEachRegisteredStatusInItsOwnSlotAndTheRestAsOther() {
        let counters = StatusCounters()
        for status in [200, 200, 404, 503, 418, 999, -1, 0, 100, 505] { counters.record(status) }
        #expect(counters.snapshot() == [
            StatusCount(status: 100, count: 1), StatusCount(status: 200, count: 2), StatusCount(status: 404, count: 1),
            StatusCount(status: 503, count: 1), StatusCount(status: 505, count: 1), StatusCount(status: nil, count: 4),
        ])
        #expect(counters.snapshot().map(\.label) == ["100", "200", "404", "503", "505", "other"])
    }

    @Test func everyStatusWithAReasonPhraseHasASlot() {
        for status in 100..<600 where !HTTPStatus.reasonPhrase(status).isEmpty {
            #expect(StatusCounters.statuses.contains(status), "\(status)")
        }
    }
}

extension TransportIntegrationTests {
    /// What the metrics read: each response counted once it is written, under the route's pattern (never the path).
    @Suite struct ResponseCountTests {
        @Test func countsResponsesByRoutePatternAndStatusAndTheTransportsOwnApart() throws {
            var router = Router()
            router.add("GET", "/projects/:slug") { request throws(HTTPError) in
                guard request.parameters["slug"] != "gone" else { throw HTTPError(410, code: "demo.gone", message: "Gone.") }
                return .text("ok")
            }
            router.add("POST", "/projects/:slug") { _ in .text("created", status: 201) }
            try withTestServer(router: router) { server in
                let client = try server.connect()
                for target in ["/projects/a", "/projects/b", "/projects/gone", "/nothing"] {
                    _ = try client.exchange("GET", target)
                }
                _ = try client.exchange("POST", "/projects/a")
                _ = try client.exchange("DELETE", "/projects/a")
                #expect(Set(router.responseCounts.map { "\($0.method) \($0.route) \($0.status.label) \($0.status.count)" }) == [
                    "GET /projects/:slug 200 2", "GET /projects/:slug 410 1", "POST /projects/:slug 201 1",
                    "any unmatched 404 1", "any unmatched 405 1",
                ])
                #expect(server.server.stats.transportResponses.isEmpty)

                // A request the parser refuses is answered by the transport, before any route.
                let bad = try server.connect()
                try bad.send("GET /projects/a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")
                #expect(try bad.readResponse().status == 400)
                #expect(server.server.stats.transportResponses == [StatusCount(status: 400, count: 1)])
                #expect(router.responseCounts.reduce(0) { $0 + $1.status.count } == 6)
            }
        }
    }
}
