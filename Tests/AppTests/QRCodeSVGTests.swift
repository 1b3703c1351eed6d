@testable import App
import TestSupport
import Testing

/// `QRCodeSVG`: libqrencode's symbol drawn as one SVG path with a 4-module quiet zone (ISO/IEC 18004 §7.3.8).
@Suite struct QRCodeSVGTests {
    /// A dark run of the path: `M{x} {y}h{run}v1h-{run}z`.
    struct Run: Hashable {
        var x: Int
        var y: Int
        var length: Int
    }

    /// The value of attribute `name` of the root element.
    static func attribute(_ name: String, in svg: String) -> String? {
        guard let start = svg.firstRange(of: " \(name)=\"")?.upperBound else { return nil }
        return String(svg[start...].prefix { $0 != "\"" })
    }

    /// Every dark run of the path; nil if the path has anything else in it.
    static func runs(in svg: String) -> [Run]? {
        guard let d = attribute("d", in: svg) else { return nil }
        var runs: [Run] = []
        for command in d.split(separator: "z") {
            guard command.first == "M", let h = command.firstIndex(of: "h"), let v = command.firstIndex(of: "v") else { return nil }
            let position = command[command.index(after: command.startIndex)..<h].split(separator: " ")
            let length = command[command.index(after: h)..<v]
            guard position.count == 2, let x = Int(position[0]), let y = Int(position[1]), let run = Int(length),
                  command[v...] == "v1h-\(run)" else { return nil }
            runs.append(Run(x: x, y: y, length: run))
        }
        return runs
    }

    static let url = "http://127.0.0.1:8080/p/new-schools"

    @Test func isAnSVGImageWithTheSizeOfItsVersionPlusTheQuietZone() throws {
        // 35 bytes at level M need version 3: 29 × 29 modules, 37 with four on each side.
        #expect(Self.url.utf8.count == 35)
        let svg = try #require(QRCodeSVG.make(Self.url, title: "New schools"))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>"))
        #expect(Self.attribute("viewBox", in: svg) == "0 0 37 37")
        #expect(Self.attribute("width", in: svg) == "296")
        #expect(Self.attribute("height", in: svg) == "296")
        #expect(svg.contains(##"<rect width="37" height="37" fill="#fff"/>"##), "a white background under the quiet zone")
    }

    @Test func leavesTheQuietZoneLightAndDrawsTheThreeFinderPatterns() throws {
        let svg = try #require(QRCodeSVG.make(Self.url, title: "t"))
        let runs = try #require(Self.runs(in: svg))
        let width = 29, quiet = 4
        #expect(!runs.isEmpty)
        for run in runs {
            #expect(run.x >= quiet && run.y >= quiet, "\(run) starts in the quiet zone")
            #expect(run.x + run.length <= quiet + width && run.y < quiet + width, "\(run) ends in the quiet zone")
            #expect(run.length >= 1)
        }
        // Each finder pattern's top and bottom edges are seven dark modules with a light separator beside them.
        let set = Set(runs)
        for (x, y) in [(0, 0), (width - 7, 0), (0, width - 7)] {
            #expect(set.contains(Run(x: quiet + x, y: quiet + y, length: 7)), "top edge of the finder at \(x),\(y)")
            #expect(set.contains(Run(x: quiet + x, y: quiet + y + 6, length: 7)), "bottom edge of the finder at \(x),\(y)")
        }
        // No finder in the fourth corner.
        #expect(!set.contains(Run(x: quiet + width - 7, y: quiet + width - 7, length: 7)))
        // Runs on a row never touch: the drawing merges neighbours.
        for run in runs {
            #expect(!set.contains { $0.y == run.y && $0.x == run.x + run.length }, "\(run) is followed by an unmerged run")
        }
    }

    @Test func sameTextSameDrawingAndAnotherTextAnotherDrawing() throws {
        let first = try #require(QRCodeSVG.make(Self.url, title: "t"))
        #expect(QRCodeSVG.make(Self.url, title: "t") == first)
        let other = try #require(QRCodeSVG.make("http://127.0.0.1:8080/p/bus-lines", title: "t"))
        #expect(Self.attribute("d", in: other) != Self.attribute("d", in: first))
    }

    @Test func escapesTheTitleInTheLabelAndTheTitleElement() throws {
        let svg = try #require(QRCodeSVG.make(Self.url, title: #"<script>alert("x") & 'y'</script>"#))
        let escaped = "&lt;script&gt;alert(&quot;x&quot;) &amp; &apos;y&apos;&lt;/script&gt;"
        #expect(Self.attribute("aria-label", in: svg) == escaped)
        #expect(svg.contains("<title>\(escaped)</title>"))
        #expect(!svg.contains("<script"))
        #expect(svg.filter { $0 == "<" }.count == 6, "svg, title, /title, rect, path, /svg and nothing else")
    }

    @Test func keepsAChineseTitleAsItIs() throws {
        let svg = try #require(QRCodeSVG.make(Self.url, title: "新建改扩建中小学校 / New schools"))
        #expect(svg.contains("<title>新建改扩建中小学校 / New schools</title>"))
    }

    @Test func theLargestSymbolHolds2331BytesAtLevelM() throws {
        // Version 40 at level M holds 2,331 bytes in byte mode: 177 modules, 185 with the quiet zone.
        let svg = try #require(QRCodeSVG.make(String(repeating: "a", count: 2331), title: "t"))
        #expect(Self.attribute("viewBox", in: svg) == "0 0 185 185")
    }

    @Test(arguments: [2332, 3000, 100_000])
    func isNilForTextTooLongForAnySymbol(_ length: Int) {
        #expect(QRCodeSVG.make(String(repeating: "a", count: length), title: "t") == nil)
    }
}
