import App
#if FUZZING
import CLibFuzzer
#endif
#if canImport(Glibc)
import Glibc
#endif

// `lastword-fuzz TARGET …` (scripts/fuzz drives it):
// - Built by scripts/fuzz (libFuzzer's coverage instrumentation, AddressSanitizer, -DFUZZING, linked with libFuzzer
//   without its main), it hands the rest of its arguments to libFuzzer's driver (`-max_total_time=60 CORPUS…`), which
//   calls TARGET with every input it makes.
// - Built normally, the rest are files or directories whose inputs are replayed through TARGET without
//   instrumentation (a corpus, a crash artifact).

/// The target libFuzzer feeds. Written once in `main` before the driver starts, then only read, on the driver's one
/// thread.
nonisolated(unsafe) var selectedTarget: FuzzTarget = .httpRequest

/// Writes to standard error (the C `stderr` global is not concurrency-safe to name in Swift 6).
func printError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

@main
struct FuzzEntry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        // libFuzzer's -fork and -merge run this program again with its own flags only: those children find the
        // target in LASTWORD_FUZZ_TARGET, which scripts/fuzz sets.
        let named = arguments.first.flatMap(FuzzTarget.init(rawValue:))
        let inherited = getenv("LASTWORD_FUZZ_TARGET").flatMap { FuzzTarget(rawValue: String(cString: $0)) }
        guard let target = named ?? inherited else {
            printError("usage: lastword-fuzz TARGET FILE|DIRECTORY…  (TARGET is one of \(targets))\n"
                       + "Replays inputs; built by scripts/fuzz, it fuzzes (then TARGET's arguments are libFuzzer's).\n")
            exit(2)
        }
        selectedTarget = target
        #if FUZZING
        // libFuzzer sees argv without TARGET.
        var argv: [UnsafeMutablePointer<CChar>?] = [CommandLine.unsafeArgv[0]]
        for index in (named == nil ? 1 : 2)..<Int(CommandLine.argc) { argv.append(CommandLine.unsafeArgv[index]) }
        argv.append(nil)
        var argc = CInt(argv.count - 1)
        let code = argv.withUnsafeMutableBufferPointer { buffer -> CInt in
            var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &pointer) { data, size in
                selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }
        }
        exit(code)
        #else
        let paths = named == nil ? arguments : Array(arguments.dropFirst())
        guard !paths.isEmpty else {
            printError("lastword-fuzz \(target.rawValue): name the files or directories to replay\n")
            exit(2)
        }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let bytes = read(file) else {
                    printError("\(file): cannot be read\n")
                    exit(1)
                }
                bytes.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("\(target.rawValue): \(count) inputs replayed, none failed")
        #endif
    }

    /// The regular files of a directory (not recursive), or the path itself.
    static func files(at path: String) -> [String] {
        guard let directory = opendir(path) else { return [path] }
        defer { closedir(directory) }
        var found: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            found.append(path + "/" + name)
        }
        return found.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return ferror(file) == 0 ? bytes : nil
    }
}
