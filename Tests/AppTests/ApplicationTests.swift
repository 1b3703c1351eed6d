@testable import App
import TestSupport
import Testing

extension AppIntegrationTests {
    /// What `Application` wires besides the API: health, QR codes, the pages with a path of their own.
    @Suite struct ApplicationTests {
        @Test func healthSaysOkWithTheVersion() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/healthz")
            #expect(response.status == 200)
            let body = try response.json()
            #expect(body["status"] == .string("ok"))
            #expect(body["version"] == .string(LastWordVersion.current))
            #expect(body["version"] == .string("0.2.0"))
            #expect(body["uptimeSeconds"]?.double.map { $0 >= 0 && $0 < 600 } == true)
        }

        @Test func readyWhileTheDatabaseTakesWritesAndNotWhenItsDiskIsNearlyFull() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let ready = try app.get("/readyz")
            // SQLite: its file and directory writable; PostgreSQL: it answers.
            #expect(ready.status == 200, "\(ready.text)")
            #expect(try ready.json()["status"] == .string("ready"))
            #expect(ready.header("Cache-Control") == "no-store")

            // The free space of the database's file system: SQLite's file; PostgreSQL's disk is the server's, not ours.
            guard TestDatabase.engine == .sqlite else { return }
            // More free space asked for than any disk has: the node says it is not ready, and why.
            let full = try TestApp { $0.readyMinimumFreeBytes = Int64.max / 2 }
            defer { full.shutdown() }
            let refused = try full.get("/readyz")
            #expect(refused.status == 503)
            #expect(refused.errorCode == "server.not_ready")
            #expect(try refused.json()["message"]?.string?.contains("MiB free on the database's file system") == true)
            #expect(try full.get("/healthz").status == 200, "alive all the same")
        }

        @Test func theQRCodeIsAnSVGOfTheProjectPageOnThisHost() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/qr/new-schools.svg")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("image/svg+xml") == true)
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(response.text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(response.text.hasSuffix("</svg>"))
            let title = "\(TestCampaign.titleZH("new-schools")) / \(TestCampaign.titleEN("new-schools"))"
            #expect(QRCodeSVGTests.attribute("aria-label", in: response.text) == title)
            #expect(response.text.contains("<title>\(title)</title>"))
            // The symbol is the one for http://<Host>/p/<slug>, and for no other text.
            let url = "http://\(app.host)/p/new-schools"
            #expect(response.text == QRCodeSVG.make(url, title: title))
            #expect(response.text != QRCodeSVG.make("http://\(app.host)/p/bus-lines", title: title))
            // The project API names the same address.
            #expect(try app.get("/api/projects/new-schools").json()["url"] == .string(url))
        }

        @Test func theQRCodeFollowsTheHostAndAProxysScheme() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let title = "\(TestCampaign.titleZH("elder-care")) / \(TestCampaign.titleEN("elder-care"))"
            let plain = try app.request("GET", "/qr/elder-care.svg", headers: [("Host", "lastword.example.org")])
            #expect(plain.text == QRCodeSVG.make("http://lastword.example.org/p/elder-care", title: title))
            let proxied = try app.request("GET", "/qr/elder-care.svg",
                                          headers: [("Host", "lastword.example.org"), ("X-Forwarded-Proto", "https")])
            #expect(proxied.text == QRCodeSVG.make("https://lastword.example.org/p/elder-care", title: title))
        }

        @Test(arguments: ["/qr/elder-care.svg", "/qr/campaigns/city-2026.svg"])
        func aHostTooLongForAQRCodeIsTheClientsMistakeNotTheServers(_ target: String) throws {
            // A QR code holds at most 2,331 bytes: a Host header longer than that made this address answer 500.
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.request("GET", target, headers: [("Host", String(repeating: "a", count: 2_400) + ".example.org")])
            #expect(response.status == 400)
            #expect(response.errorCode == "request.invalid")
            #expect(try response.json()["message"]?.string?.contains("Host header is too long") == true)
            #expect(try app.request("GET", target, headers: [("Host", String(repeating: "a", count: 200) + ".example.org")]).status == 200)
        }

        @Test func theQRCodeUsesTheConfiguredBaseURL() throws {
            let app = try TestApp { $0.publicBaseURL = "https://lastword.gov.example" }
            defer { app.shutdown() }
            let title = "\(TestCampaign.titleZH("elder-care")) / \(TestCampaign.titleEN("elder-care"))"
            let response = try app.get("/qr/elder-care.svg")
            #expect(response.text == QRCodeSVG.make("https://lastword.gov.example/p/elder-care", title: title))
            #expect(try app.get("/api/projects/elder-care").json()["url"] == .string("https://lastword.gov.example/p/elder-care"))
        }

        @Test func theQRCodeTitleIsEscaped() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let svg = try app.get("/qr/bus-lines.svg").text
            #expect(svg.contains("<title>项目 bus-lines / Bus lines &lt;fast&gt; &amp; &quot;free&quot; &apos;now&apos;</title>"))
            #expect(!svg.contains("<fast>"))
        }

        @Test(arguments: ["/qr/unknown.svg", "/qr/new-schools.png", "/qr/new-schools", "/qr/.svg"])
        func aQRCodeOfNoProjectIs404(_ target: String) throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get(target)
            #expect(response.status == 404)
            #expect(response.errorCode == "project.not_found")
        }

        @Test func aProjectPageIsTheProjectHTML() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/p/new-schools")
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(response.text.contains("<title>project page</title>"))
            #expect(response.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
            #expect(response.header("X-Frame-Options") == "DENY")
        }

        @Test func thePageOfAnUnknownProjectIs404JSON() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            for target in ["/p/unknown", "/poster/unknown"] {
                let response = try app.get(target)
                #expect(response.status == 404, "\(target)")
                #expect(response.header("Content-Type")?.hasPrefix("application/json") == true)
                #expect(response.errorCode == "project.not_found", "\(target)")
            }
        }

        @Test func theBoardPageIsServed() throws {
            let app = try TestApp()
            defer { app.shutdown() }
            let response = try app.get("/board")
            #expect(response.status == 200)
            #expect(response.text.contains("<title>board page</title>"))
        }

        @Test func theRealClientIsServedFromPublic() throws {
            // The repository's own Public/ directory, found from this file's path.
            let root = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
            let app = try TestApp { $0.publicDirectory = root + "/Public" }
            defer { app.shutdown() }
            let page = try app.get("/p/new-schools")
            #expect(page.status == 200)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(try app.get("/").status == 200)
        }

        @Test func anExistingDatabaseIsOpenedWithItsRatingsAndTallies() throws {
            // Tallies are rebuilt from the database at start: a restart shows what was committed before.
            let directory: TemporaryDirectory
            let database: String
            do {
                let app = try TestApp()
                directory = app.directory
                database = app.databasePath
                #expect(try app.rate("new-schools", id: "r-1", level: 5, as: app.newCitizen()).status == 200)
                #expect(try app.like("new-schools", id: "l-1", liked: true, as: app.newCitizen()).status == 200)
                app.shutdown()
            }
            let restarted = try TestApp { $0.databasePath = database }
            _ = directory  // a SQLite database stays in the first app's directory
            defer { restarted.shutdown() }
            let tally = try restarted.tally("new-schools")
            #expect(tally["counts"]?.ints == [0, 0, 0, 0, 1])
            #expect(tally["likes"] == .number(1))
        }
    }
}
