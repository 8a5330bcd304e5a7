import Synchronization

/// The ports this process listens on (the edge, the API), which workers must not reach on any
/// local address: a worker calling its own edge would loop, and one calling the API would act
/// with the platform's authority.
///
/// Shared by reference: `dev` and `serve` build the runtime first and add each port here once
/// its listener is bound (port `0` is only known then).
public final class PlatformListeners: Sendable {
    private let ports = Mutex<Set<Int>>([])

    public init(ports: Set<Int> = []) {
        self.ports.withLock { $0 = ports }
    }

    /// Records a bound listener's port.
    public func add(port: Int) {
        _ = ports.withLock { $0.insert(port) }
    }

    public func contains(port: Int) -> Bool {
        ports.withLock { $0.contains(port) }
    }
}
