import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// With `SWITCHYARD_EXIT_WITH_PARENT=1` (set by the test harnesses), the process ends itself once
/// the process that started it is gone, so a crashed test run leaves no server behind.
/// (Foundation's `Process` cannot set `PR_SET_PDEATHSIG`, which would anyway follow the thread
/// that spawned the child rather than the parent process.)
enum ParentWatch {
    static func startIfRequested() {
        guard ProcessInfo.processInfo.environment["SWITCHYARD_EXIT_WITH_PARENT"] == "1" else { return }
        let parent = getppid()
        let thread = Thread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 0.25) }
            // SIGTERM: `serve` shuts down gracefully; `dev` ends at once.
            kill(getpid(), SIGTERM)
        }
        thread.name = "switchyard-parent-watch"
        thread.start()
    }
}
