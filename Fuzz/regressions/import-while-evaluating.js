//@fuzz mode=module heap=128 terminate=0 fail=0 memcheck=0 watchdog=1000 ops=0 polls=1
//@module "worker.js" esm
// ImportDynamically (modules.cc) calls Module::Evaluate on a module that is still evaluating.
import("./worker.js");
export default {};
//@source "worker.js"
