import TestSupport
import Testing

/// The transport over real sockets on 127.0.0.1: every test starts its own `Server` on an ephemeral port with the
/// routes and limits it is about, talks to it with the blocking clients of this target, and shuts it down.
///
/// Serialized, though each test is independent of the others: the clients block the thread they run on, and
/// Swift Testing runs tests on the cooperative thread pool, which is as wide as the machine has cores. Were the tests
/// run in parallel, they would fill that pool with blocked threads, and the `Task` in which `Router` runs an async
/// route would wait behind every test still queued (observed: 10 s). One test at a time leaves the pool room for it,
/// keeps the timing bounds of the deadline tests honest on a loaded two-core machine, and keeps other tests'
/// allocations out of the resident-memory bounds of the backpressure tests.
@Suite(.serialized) enum TransportIntegrationTests {}
