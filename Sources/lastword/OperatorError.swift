import App
import Domain
import Storage

/// An error as the operator reads it: one line, in the terms of the file or setting at fault. ArgumentParser prints a
/// thrown error as "Error: " and its description and exits with 1, and the description of one of our enums is its
/// Swift spelling (`slugBelongsToAnotherCampaign(slug: …)`); every error that reaches the command line passes here.
struct OperatorError: Error, CustomStringConvertible {
    var description: String

    /// `context` says what failed ("cannot start"), before the error's own sentence.
    init(_ error: any Error, while context: String? = nil) {
        let sentence = Self.sentence(error)
        description = context.map { "\($0): \(sentence)" } ?? sentence
    }

    /// A sentence of our own.
    init(message: String) {
        description = message
    }

    static func sentence(_ error: any Error) -> String {
        switch error {
        case let error as OperatorError: error.description
        case let error as CampaignFileError: error.description
        case let error as DomainError: error.message
        case let error as StorageError: error.description
        case let error as BackupError: error.description
        case let error as SettingsError: error.description
        case let error as IdentityError: error.description
        // Transport's errors and GRDB's describe themselves in words (errno names, SQLite messages).
        default: String(describing: error)
        }
    }
}
