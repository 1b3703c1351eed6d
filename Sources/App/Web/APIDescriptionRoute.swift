import Logging
import Transport

/// `GET /api/openapi.yaml`: the API's OpenAPI description (docs/openapi.yaml), read once at start-up from
/// `api.openapiFile`. An installed server's working directory is not the repository, so the file is configured like
/// the static directory (config/production.example.yaml names its installed place). Without it the server still
/// runs, and this address says so in the one error shape.
struct APIDescriptionRoute: Sendable {
    /// The file's bytes, or nil when it is not configured or could not be read.
    let document: [UInt8]?

    /// Reads `file`; a file that cannot be read is logged once, with the setting's name, and leaves `document` nil.
    init(file: String?, logger: Logger) {
        guard let file else {
            document = nil
            return
        }
        do {
            document = Array(try readTextFile(file).utf8)
        } catch {
            logger.warning("API description not served: GET /api/openapi.yaml answers 404", metadata: [
                "api.openapiFile": "\(file)", "problem": "\(error)",
            ])
            document = nil
        }
    }

    func install(on router: inout Router) {
        let document = document
        router.add("GET", "/api/openapi.yaml") { _ throws(HTTPError) in
            guard let document else {
                throw HTTPError(404, code: "openapi.not_found",
                                message: "This server was started without its API description (api.openapiFile, docs/openapi.yaml in the source).")
            }
            // RFC 9512's media type for YAML.
            return HTTPResponse(status: 200, contentType: "application/yaml", body: document,
                                headers: ["Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"])
        }
    }
}
