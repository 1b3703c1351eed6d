import TestSupport
import Testing

/// The application over real sockets on 127.0.0.1: every test starts its own `TestApp` (database, campaign files,
/// server on an ephemeral port), talks to it with the blocking clients of this target, and shuts it down.
///
/// Serialized, as the transport suite is (Tests/TransportTests/TransportIntegrationTests.swift): the clients block
/// the thread they run on, and Swift Testing runs tests on the cooperative pool, as wide as the machine has cores (the
/// routes that read the database run on a Dispatch queue of their own, `Router.add(_:_:blocking:)`, so a blocked
/// test thread never starves them; the transport suite's async routes do need that pool). One test at a time also keeps the
/// timing bounds of the coalescing tests honest on a loaded two-core machine.
@Suite(.serialized) enum AppIntegrationTests {}
