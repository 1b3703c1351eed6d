import TestSupport
import Dispatch
import HTTP1
import Synchronization
import Testing
import Transport
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

extension TransportIntegrationTests {
    /// Broadcasting to a group spread over event loops, and backpressure: a receiver that stops reading costs the
    /// server at most its high-water mark plus one message, under each overflow policy, while the others keep
    /// receiving everything.
    @Suite struct BroadcastGroupTests {
        static func server(
            loops: EventLoopGroup, _ adjust: (inout ServerConfiguration) -> Void = { _ in }
        ) throws -> (TestServer, GroupMembers) {
            let members = GroupMembers(loops: loops)
            var router = Router.testing()
            router.webSocket("/group", GroupEndpoint(members: members))
            router.webSocket("/hub", HubEndpoint(loops: loops))
            let configuration = ServerConfiguration.forTesting {
                $0.eventLoops = loops.loops.count
                adjust(&$0)
            }
            return (try TestServer(configuration: configuration, router: router, loops: loops), members)
        }

        @Test(arguments: ReadinessMode.allCases)
        func reachesEveryMemberOnEveryLoopExactlyOnceAndForgetsMembersThatClose(_ readiness: ReadinessMode) throws {
            let loops = EventLoopGroup(count: 2, readiness: readiness)
            let (server, members) = try Self.server(loops: loops) { $0.readiness = readiness }
            defer { server.shutdown() }
            let clients = try (0..<6).map { try server.webSocket("/group?name=member\($0)") }
            defer { for client in clients { client.close() } }
            // Members join in webSocketDidOpen, before the 101 is written.
            #expect(members.group.count == 6)
            #expect(members.loopsUsed == [0, 1], "members are spread over both loops")

            members.group.broadcast(PreparedMessage(text: "first"), policy: .close)
            members.group.broadcast(PreparedMessage(text: "second"), policy: .close)
            for (index, client) in clients.enumerated() {
                // A duplicate "first" would show up in place of "second".
                #expect(try client.nextEvent().text == "first", "member \(index)")
                #expect(try client.nextEvent().text == "second", "member \(index)")
            }
            #expect(eventually { members.group.deliveryCounts.queued == 12 })

            // Three leave with a closing handshake, one by dropping TCP.
            for client in clients[0..<3] {
                try client.sendClose(code: 1000)
                #expect(try client.nextEvent().closeCode == 1000)
                #expect(try client.readEvent() == nil)
            }
            clients[3].close()
            #expect(eventually { members.group.count == 2 })

            members.group.broadcast(PreparedMessage(binary: [1, 2, 3]), policy: .close)
            for client in clients[4...] {
                #expect(try client.nextEvent() == .binary([1, 2, 3]))
            }
            #expect(eventually { members.group.deliveryCounts == (queued: 14, dropped: 0, closed: 0) })
        }

        @Test func sendsEachMemberTheFrameItNegotiatedCompressedOrNot() throws {
            let loops = EventLoopGroup(count: 2)
            let (server, members) = try Self.server(loops: loops)
            defer { server.shutdown() }
            let plain = try server.webSocket("/group?name=plain")
            let compressed = try server.webSocket("/group?name=compressed", offerDeflate: true)
            let compressedToo = try server.webSocket("/group?name=compressed2", offerDeflate: true)
            defer { for client in [plain, compressed, compressedToo] { client.close() } }
            #expect(compressed.deflate != nil)

            let text = String(repeating: "Participation rises; the score moves. ", count: 100)
            members.group.broadcast(PreparedMessage(text: text), policy: .keepNewest(topic: 7))
            #expect(try plain.nextEvent().text == text)
            #expect(!plain.lastMessageCompressed)
            for client in [compressed, compressedToo] {
                #expect(try client.nextEvent().text == text)
                #expect(client.lastMessageCompressed)
            }
        }

        @Test func relaysAHubMessageToEveryMemberIncludingTheSender() throws {
            let loops = EventLoopGroup(count: 2)
            let (server, _) = try Self.server(loops: loops)
            defer { server.shutdown() }
            let clients = try (0..<4).map { _ in try server.webSocket("/hub") }
            defer { for client in clients { client.close() } }
            try clients[2].send(text: "to everyone")
            for client in clients {
                #expect(try client.nextEvent().text == "to everyone")
            }
        }
    }

    /// Backpressure: a member that stops reading is bounded by the high-water mark under each overflow policy, the
    /// process's resident memory does not grow with the volume broadcast, and the reading member misses nothing.
    @Suite struct BackpressureTests {
        static let highWaterMark = 64 << 10
        static let messageSize = 64 << 10
        /// A frame's bytes: the payload and a 10-byte header (64-bit length).
        static let frameSize = messageSize + 10

        static func payload(_ sequence: Int) -> [UInt8] {
            var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: messageSize)
            withUnsafeBytes(of: UInt32(sequence).bigEndian) { bytes.replaceSubrange(0..<4, with: $0) }
            return bytes
        }

        static func sequence(of event: WebSocketEvent) -> Int? {
            guard let bytes = event.binary, bytes.count == messageSize else { return nil }
            return Int(bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }

        static func server(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> (TestServer, GroupMembers) {
            let loops = EventLoopGroup(count: 2)
            return try BroadcastGroupTests.server(loops: loops) {
                $0.sendHighWaterMark = highWaterMark
                $0.sendLowWaterMark = highWaterMark / 4
                $0.writeStallTimeoutMilliseconds = 60_000
                adjust(&$0)
            }
        }

        /// Broadcasts `count` messages in lock-step with `fast` (each read before the next is sent, so `fast` is never
        /// behind), sampling the slow member's buffered bytes after each. Returns the largest sample and how much the
        /// resident memory grew.
        static func broadcastInLockStep(
            _ count: Int, policy: OverflowPolicy, members: GroupMembers, fast: TestWebSocketClient,
            until stop: () -> Bool = { false }
        ) throws -> (maxSlowBuffered: Int, sent: Int, residentGrowth: Int) {
            let residentBefore = residentMemoryBytes()
            var maxSlowBuffered = 0
            var sent = 0
            for sequence in 0..<count {
                members.group.broadcast(PreparedMessage(binary: payload(sequence)), policy: policy)
                sent += 1
                let event = try fast.nextEvent()
                #expect(Self.sequence(of: event) == sequence, "the reading member gets every message, in order")
                if let buffered = members.onLoop(of: "slow", { $0.bufferedAmount }) {
                    maxSlowBuffered = max(maxSlowBuffered, buffered)
                }
                if stop() { break }
            }
            return (maxSlowBuffered, sent, residentMemoryBytes() - residentBefore)
        }

        @Test func keepsOnlyTheNewestMessageForAMemberThatStopsReading() throws {
            let (server, members) = try Self.server()
            defer { server.shutdown() }
            let slow = try server.webSocket("/group?name=slow", receiveBufferSize: 4096)
            let fast = try server.webSocket("/group?name=fast")
            defer { slow.close(); fast.close() }

            let count = 1_500   // 96 MiB in all
            let result = try Self.broadcastInLockStep(count, policy: .keepNewest(topic: 1), members: members, fast: fast)
            #expect(result.maxSlowBuffered > Self.highWaterMark, "the slow member did fall behind")
            #expect(result.maxSlowBuffered <= Self.highWaterMark + Self.frameSize, "never more than the mark plus one message")
            // Half of the 96 MiB broadcast: other suites run in the same process at the same time and allocate too (the
            // server's own bound is the buffered-bytes check above); a copy per message would grow by all of it.
            #expect(result.residentGrowth < 48 << 20, "resident memory grew by \(result.residentGrowth >> 20) MiB")
            #expect(members.group.deliveryCounts.closed == 0)

            // Now it reads: a strictly increasing run of messages that ends with the newest.
            var received: [Int] = []
            while received.last != count - 1 {
                let event = try slow.nextEvent()
                guard let sequence = Self.sequence(of: event) else {
                    Issue.record("unexpected \(event)")
                    break
                }
                received.append(sequence)
            }
            #expect(received == received.sorted() && Set(received).count == received.count)
            #expect(received.count < count, "older messages were replaced")
            #expect(members.group.count == 2)
        }

        @Test func closesAMemberThatFallsPastTheMarkWith1008WhenThePolicyIsClose() throws {
            let (server, members) = try Self.server()
            defer { server.shutdown() }
            let slow = try server.webSocket("/group?name=slow", receiveBufferSize: 4096)
            let fast = try server.webSocket("/group?name=fast")
            defer { slow.close(); fast.close() }

            let result = try Self.broadcastInLockStep(
                1_500, policy: .close, members: members, fast: fast, until: { members.group.deliveryCounts.closed == 1 })
            #expect(members.group.deliveryCounts.closed == 1, "the slow member was closed")
            #expect(members.group.count == 1, "and left the group")
            #expect(result.maxSlowBuffered <= Self.highWaterMark + Self.frameSize)
            #expect(result.sent < 1_500)

            // The fast member keeps receiving.
            members.group.broadcast(PreparedMessage(binary: Self.payload(9_999)), policy: .close)
            #expect(Self.sequence(of: try fast.nextEvent()) == 9_999)

            // The slow one reads what was queued before it fell behind, in order and without gaps, then the 1008.
            let (messages, close) = try slow.readUntilClose()
            #expect(messages.map { Self.sequence(of: $0) } == Array(0..<messages.count))
            #expect(close?.code == 1008)
            #expect(try slow.readEvent() == nil)
            #expect(members.log.closures.contains { $0.code == 1008 })
        }

        @Test func dropsMessagesForAMemberPastTheMarkWhenThePolicyIsDrop() throws {
            let (server, members) = try Self.server()
            defer { server.shutdown() }
            let slow = try server.webSocket("/group?name=slow", receiveBufferSize: 4096)
            let fast = try server.webSocket("/group?name=fast")
            defer { slow.close(); fast.close() }

            let count = 400
            let result = try Self.broadcastInLockStep(count, policy: .drop, members: members, fast: fast)
            #expect(result.maxSlowBuffered <= Self.highWaterMark + Self.frameSize)
            let counts = members.group.deliveryCounts
            #expect(counts.dropped > 0)
            #expect(counts.queued + counts.dropped == 2 * count)
            #expect(counts.closed == 0)

            // The slow member gets what was queued for it, in order; a marker sent now comes right after it.
            var received: [Int] = []
            for _ in 0..<(counts.queued - count) {
                received.append(Self.sequence(of: try slow.nextEvent()) ?? -1)
            }
            #expect(received.first == 0)
            #expect(received == received.sorted() && Set(received).count == received.count)
            members.group.broadcast(PreparedMessage(binary: Self.payload(count)), policy: .drop)
            #expect(Self.sequence(of: try slow.nextEvent()) == count, "nothing was queued beyond what the counts say")
            #expect(Self.sequence(of: try fast.nextEvent()) == count)
        }

        @Test func stopsReadingPipelinedRequestsFromAClientThatDoesNotReadItsResponses() throws {
            // Each answer is a fresh 64 KiB (a rendered page, say): queued answers are real memory.
            let peak = Mutex((handled: 0, residentGrowth: 0))
            let residentBefore = Mutex(0)
            var router = Router.testing()
            router.add("GET", "/page") { request in
                let index = Int(request.query("i") ?? "") ?? -1
                let growth = residentMemoryBytes() - residentBefore.withLock { $0 }
                peak.withLock { $0 = ($0.handled + 1, max($0.residentGrowth, growth)) }
                return HTTPResponse(status: 200, contentType: "application/octet-stream", body: Self.payload(index))
            }
            let configuration = ServerConfiguration.forTesting {
                $0.sendHighWaterMark = Self.highWaterMark
                $0.sendLowWaterMark = Self.highWaterMark / 4
                $0.maxPendingInput = 16 << 10
                $0.writeStallTimeoutMilliseconds = 60_000
            }
            try withTestServer(configuration, router: router) { server in
                let client = try server.connect(receiveBufferSize: 4096)
                defer { client.close() }
                let count = 1_500   // 96 MiB of answers to 60 KiB of requests
                let wire = (0..<count).flatMap { TestHTTPClient.request("GET", "/page?i=\($0)") }
                residentBefore.withLock { $0 = residentMemoryBytes() }
                let writer = client.sendInBackground(wire)
                // The server works while the client does not read (a server-internal fact, so polled) ...
                #expect(eventually { peak.withLock { $0.handled } >= 16 })
                // ... and every answer arrives, in order, when the client reads at last.
                for index in 0..<count {
                    let response = try client.readResponse()
                    if Self.sequence(of: .binary(response.body)) != index {
                        Issue.record("response \(index) is \(response.status) for \(Self.sequence(of: .binary(response.body)) ?? -1)")
                        break
                    }
                }
                #expect(writer.wait())
                let (handled, growth) = peak.withLock { $0 }
                #expect(handled == count)
                #expect(growth < 24 << 20, "resident memory grew by \(growth >> 20) MiB while answers were queued")
            }
        }

        @Test func pausesReadingFromAPeerThatDoesNotReadItsReplies() throws {
            let probe = BufferProbe()
            var router = Router.testing()
            router.webSocket("/probe", ProbeEndpoint(probe: probe))
            let configuration = ServerConfiguration.forTesting {
                $0.sendHighWaterMark = Self.highWaterMark
                $0.sendLowWaterMark = Self.highWaterMark / 4
                $0.writeStallTimeoutMilliseconds = 60_000
            }
            try withTestServer(configuration, router: router) { server in
                let client = try server.webSocket("/probe", receiveBufferSize: 4096)
                defer { client.close() }
                let count = 300   // 19 MiB of echoes
                var frames: [UInt8] = []
                for sequence in 0..<count {
                    frames += FrameEncoder.encode(opcode: .binary, payload: Self.payload(sequence), maskingKey: TestWebSocketClient.randomMaskingKey())
                }
                let residentBefore = residentMemoryBytes()
                let writer = client.http.sendInBackground(frames)
                // The server stops reading once its replies pass the mark (a server-internal fact, so polled) ...
                #expect(eventually { probe.maxBuffered > Self.highWaterMark })
                let residentWhileBlocked = residentMemoryBytes()
                // ... and every reply arrives once we read.
                for sequence in 0..<count {
                    #expect(Self.sequence(of: try client.nextEvent()) == sequence)
                }
                #expect(writer.wait())
                #expect(probe.received == count)
                // A read of 64 KiB may hold several messages, all answered before reading pauses.
                #expect(probe.maxBuffered <= Self.highWaterMark + (64 << 10) + 2 * Self.frameSize)
                #expect(residentWhileBlocked - residentBefore < 8 << 20, "resident memory grew by \((residentWhileBlocked - residentBefore) >> 20) MiB")
            }
        }

        @Test func pausesReadingFromAPeerThatPingsButNeverReadsThePongs() throws {
            let probe = BufferProbe()
            var router = Router.testing()
            router.webSocket("/probe", ProbeEndpoint(probe: probe))
            let configuration = ServerConfiguration.forTesting {
                $0.sendHighWaterMark = Self.highWaterMark
                $0.sendLowWaterMark = Self.highWaterMark / 4
                $0.writeStallTimeoutMilliseconds = 60_000
            }
            try withTestServer(configuration, router: router) { server in
                let client = try server.webSocket("/probe", receiveBufferSize: 4096)
                defer { client.close() }
                // 60,000 pings of 125 bytes (7.9 MB), each owed a pong of 127 bytes (RFC 6455 §5.5.2), then a marker
                // message: the server reaches the marker only after answering every ping before it.
                let ping = FrameEncoder.encode(opcode: .ping, payload: [UInt8](repeating: 0x70, count: 125), maskingKey: (9, 8, 7, 6))
                let count = 60_000
                var wire: [UInt8] = []
                wire.reserveCapacity(count * ping.count + 64)
                for _ in 0..<count { wire += ping }
                wire += FrameEncoder.encode(opcode: .binary, payload: Array("marker".utf8), maskingKey: (1, 2, 3, 4))
                let writer = client.http.sendInBackground(wire)

                var pongs = 0
                while true {
                    let event = try client.nextEvent()
                    if case .pong = event { pongs += 1; continue }
                    #expect(event == .binary(Array("marker".utf8)))
                    break
                }
                #expect(pongs == count)
                #expect(writer.wait())
                // When the marker arrived, the pongs not yet taken by the client were buffered: a server that kept
                // reading pings while its pongs piled up holds megabytes here.
                #expect(probe.maxBuffered <= Self.highWaterMark + (64 << 10) + 1024, "\(probe.maxBuffered) bytes were buffered")
            }
        }
    }
}
