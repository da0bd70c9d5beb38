// jemalloc's options for the binaries linked with it (BOOO_JEMALLOC in CMakeLists.txt); the
// MALLOC_CONF environment variable still overrides them.
//
// background_thread: memory freed by a large computation (a national-scale trace frees
// hundreds of megabytes at once) is returned to the kernel by jemalloc's own thread, not by
// whichever call allocates next. Without it, that call paid for the purge: at 10 million
// events the slowest first chunks of StreamGrantTrace took 14-18 ms, with it 9-11 ms
// (tools/bench/RESULTS.md, 2026-12-07).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "background_thread:true";
}
